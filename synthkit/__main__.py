if __name__ == "__main__":  # (a spawned worker imports this module as __mp_main__: nothing to load then)
    from .cli import main

    main()
