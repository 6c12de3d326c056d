"""A libespeak-ng that starts every clip from its freshly initialized state, without reloading it.

espeak-ng keeps synthesis state in C statics and in heap blocks it allocates (see
:mod:`synthkit.tts.espeak_lib`), so a clip rendered after other clips differs from the same clip
rendered alone. Loading a fresh copy of the library per clip fixes that but costs more than the
render itself: the dynamic loader maps the library again, espeak-ng reads its 700 kB of phoneme
data into new heap memory and the kernel faults those pages in, and every cache is cold.

This module keeps one copy loaded and puts its state back instead:

1. **Its heap is ours.** Before ``espeak_Initialize`` the library's GOT slots for ``malloc``,
   ``calloc``, ``realloc``, ``strdup``, ``operator new`` (and ``free``/``operator delete``) are
   pointed at an allocator over a private memory region (the *arena*): allocation bumps a pointer,
   freeing does nothing. The library's only way to get memory is through those slots (checked:
   it imports no other allocating function), so all of its heap lies in the arena.
2. **Snapshot.** Right after ``espeak_Initialize`` (and setting the audio callback) the library's
   writable data (``.data`` and ``.bss``) and the arena's used part are copied.
3. **Restore.** Before every clip the copies are written back, the arena memory the last clip used
   is zeroed, and the bump pointer is reset. The library is then, byte for byte, in the state a
   freshly loaded and initialized copy is in, at the same addresses, and the clip is rendered by
   the same calls as from a fresh copy: a clip depends only on its own arguments.

A self-check renders a probe through a fresh copy and through the restored one (after rendering
something else) and requires equal samples. Anything unexpected — not an x86-64 or AArch64 ELF
file, no section headers, an allocation slot inside the read-only GOT, an allocating import this
module does not provide, the arena full during initialization, a failed self-check — makes
:func:`open_restorable` return ``None`` (with the reason in the ``synthkit.tts.espeak`` debug log),
and synthkit falls back to a freshly loaded library per clip.

Allocations that do not fit the arena after the snapshot go to libc's ``malloc`` and are freed at
the next restore, so a long clip never fails and memory never grows from clip to clip.
"""

from __future__ import annotations

import ctypes
import logging
import mmap
import os
import platform
import struct
import threading
from dataclasses import dataclass

log = logging.getLogger("synthkit.tts.espeak")

#: Size of the arena (address space; only pages espeak-ng touches are backed by memory). espeak-ng
#: uses about 0.8 MB after initialization and a few hundred kB per clip (the voice's dictionary).
ARENA_BYTES = 64 << 20
#: Arena memory above this many bytes used by one clip is handed back to the kernel (madvise)
#: instead of zeroed in place, so a long clip does not keep its pages.
_ZERO_IN_PLACE = 1 << 20
_PAGE = mmap.PAGESIZE
#: Clips whose written pages are noted, to copy those back instead of dropping them (see Arena._revert).
_LEARN_CLIPS = 8

#: ELF machine -> (R_*_GLOB_DAT, R_*_JUMP_SLOT) relocation types.
_GOT_RELOCS = {62: (6, 7), 183: (1025, 1026)}  # EM_X86_64, EM_AARCH64
#: Allocation functions the arena provides, by the symbol the library imports.
_ALLOC = {"malloc", "calloc", "realloc", "strdup", "_Znwm", "_Znam"}
_FREE = {"free", "_ZdlPv", "_ZdaPv", "_ZdlPvm", "_ZdaPvm"}
#: Imports that would hand the library memory the arena does not own (to be freed or kept by it).
_FOREIGN_ALLOC = {
    "strndup", "wcsdup", "posix_memalign", "aligned_alloc", "memalign", "valloc", "pvalloc", "reallocarray",
    "getline", "getdelim", "asprintf", "vasprintf", "__asprintf_chk", "__vasprintf_chk", "realpath",
    "canonicalize_file_name", "scandir", "open_memstream", "open_wmemstream", "tempnam", "get_current_dir_name",
    "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t", "_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
}

_SHF_WRITE, _SHF_ALLOC = 0x1, 0x2
_PT_GNU_RELRO = 0x6474E552
_MAP_FIXED = getattr(mmap, "MAP_FIXED", 0x10)


class Unsupported(Exception):
    """The library is not laid out as this module expects; synthkit reloads it per clip instead."""


@dataclass(frozen=True)
class Layout:
    """What this module needs to know of a libespeak-ng file (addresses relative to its load base)."""

    state: tuple[tuple[int, int], ...]  # (address, size) of the writable data to snapshot (.data, .bss)
    slots: dict[str, tuple[int, ...]]  # imported allocation function -> its GOT slots
    anchor: tuple[str, int]  # an exported function and its address, to find the load base


def read_layout(path: str, anchor: str = "espeak_Initialize") -> Layout:
    """Parse the ELF file at ``path``; raise :class:`Unsupported` for anything unexpected."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise Unsupported("not a 64-bit little-endian ELF file")
    machine = struct.unpack_from("<H", data, 18)[0]
    if machine not in _GOT_RELOCS:
        raise Unsupported(f"ELF machine {machine} (only x86-64 and AArch64 are handled)")
    glob_dat, jump_slot = _GOT_RELOCS[machine]
    phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
    phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from("<HHHHH", data, 0x36)
    if not shoff or not shnum:
        raise Unsupported("no section headers")
    relro = (0, 0)
    for i in range(phnum):
        p_type, _fl, _off, p_vaddr, _pa, _fsz, p_memsz = struct.unpack_from("<IIQQQQQ", data, phoff + i * phentsize)
        if p_type == _PT_GNU_RELRO:
            relro = (p_vaddr, p_vaddr + p_memsz)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = sections[shstrndx][4]

    def cstr(off: int) -> str:
        return data[off:data.index(b"\0", off)].decode("latin-1")

    named = {cstr(strtab_off + s[0]): s for s in sections}
    for need in (".dynsym", ".dynstr", ".data", ".bss"):
        if need not in named:
            raise Unsupported(f"no {need} section")
    # writable, allocated sections outside the RELRO range, except the GOT (resolved function addresses)
    state = []
    for name, s in named.items():
        _n, _t, flags, addr, _off, size = s[:6]
        if flags & _SHF_WRITE and flags & _SHF_ALLOC and size and not relro[0] <= addr < relro[1] \
                and name not in (".got.plt", ".got", ".dynamic"):
            state.append((addr, size))
    state.sort()
    dynsym, dynstr = named[".dynsym"], named[".dynstr"]

    def sym(i: int) -> tuple[str, int]:
        st_name, _info, _other, _shndx, st_value, _size = struct.unpack_from("<IBBHQQ", data, dynsym[4] + i * 24)
        return cstr(dynstr[4] + st_name), st_value

    anchor_addr = next((v for i in range(1, dynsym[5] // 24) for n, v in [sym(i)] if n == anchor and v), None)
    if anchor_addr is None:
        raise Unsupported(f"{anchor} is not exported")
    slots: dict[str, list[int]] = {}
    for rel in (".rela.plt", ".rela.dyn"):
        if rel not in named:
            continue
        off, size = named[rel][4], named[rel][5]
        for pos in range(off, off + size, 24):
            r_offset, r_info, _addend = struct.unpack_from("<QQq", data, pos)
            if r_info & 0xFFFFFFFF not in (glob_dat, jump_slot) or not r_info >> 32:
                continue
            name = sym(r_info >> 32)[0]
            if name in _FOREIGN_ALLOC:
                raise Unsupported(f"it imports {name}, which allocates memory outside the arena")
            if name in _ALLOC or name in _FREE:
                if relro[0] <= r_offset < relro[1]:
                    raise Unsupported(f"the GOT slot of {name} is read-only")
                slots.setdefault(name, []).append(r_offset)
    for need in ("malloc", "free"):
        if need not in slots:
            raise Unsupported(f"no GOT slot for {need}")
    return Layout(tuple(state), {k: tuple(v) for k, v in slots.items()}, (anchor, anchor_addr))


_Malloc = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_size_t)
_Calloc = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t)
_Realloc = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_Strdup = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)

#: ``malloc`` in x86-64 machine code: the same bump allocation as :meth:`Arena._make_callbacks`'s
#: ``malloc``, without a call into Python (espeak-ng allocates about 100 blocks per clip; each Python
#: callback costs a few microseconds and evicts espeak-ng's working set from the CPU caches).
#: ``STATE`` is the address of the allocator's state: top, end, the Python allocator (for a full arena).
#:
#:     endbr64
#:     movabs rcx, STATE
#:     mov    rdx, [rcx]          ; top
#:     lea    rax, [rdi + 31]     ; n + header (16) + 15, rounded down to 16 below
#:     cmp    rax, rdi
#:     jb     slow                ; n close to 2**64
#:     and    rax, -16
#:     add    rax, rdx            ; new top
#:     jc     slow
#:     cmp    rax, [rcx + 8]
#:     ja     slow                ; past the end of the arena
#:     mov    [rcx], rax
#:     sub    rax, rdx
#:     mov    [rdx], rax          ; header: the block's size, header included
#:     lea    rax, [rdx + 16]
#:     ret
#: slow:
#:     jmp    [rcx + 16]          ; the Python allocator, with the same argument
_X86_64_MALLOC = bytes.fromhex(
    "f30f1efa48b9{state}488b11488d471f4839f8721d4883e0f04801d07214483b4108770e4889014829d0488902"
    "488d4210c3ff6110".replace("{state}", "00" * 8))
_X86_64_STATE_AT = 6  # offset of STATE's 8 bytes in the code
_HEADER = 16  # bytes before every block: its size (header included), for realloc


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.free.restype = None
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return libc


class Arena:
    """A bump allocator over a private anonymous mapping, with a snapshot of its used part.

    Every block has a 16-byte header holding its size; memory above ``top`` is always zero (what a
    restore leaves), so the state of the allocator is ``top`` and the arena's bytes."""

    def __init__(self, size: int = ARENA_BYTES, native: bool = True) -> None:
        self._map = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        self._view = ctypes.c_char.from_buffer(self._map)
        self.base = ctypes.addressof(self._view)
        self.end = self.base + size
        self._words = (ctypes.c_uint64 * (size // 8)).from_address(self.base)
        self._st = (ctypes.c_uint64 * 3)(self.base, self.end, 0)  # top, end, Python malloc (see above)
        self.foreign: dict[int, int] = {}  # blocks from libc malloc when the arena was full -> size
        self._libc = _libc()
        self._snap: bytes = b""  # the snapshot's pages
        self._snap_top = self._snap_end = self.base
        self._mapped = False  # whether the snapshot's pages are a private mapping of a copy
        self._runs: list[tuple[int, int, bool]] = []  # (offset, length, copied back) of those pages
        self._hot: set[int] = set()  # offsets of pages clips wrote
        self._learn = _LEARN_CLIPS
        self.callbacks = self._make_callbacks()
        self._st[2] = ctypes.cast(self.callbacks["malloc"], ctypes.c_void_p).value
        self._code = self._native_malloc() if native else None
        if self._code is not None:
            self.fast_malloc = ctypes.addressof(ctypes.c_char.from_buffer(self._code))

    @property
    def top(self) -> int:
        """Next free byte."""
        return self._st[0]

    @property
    def native(self) -> bool:
        """Whether ``malloc`` runs as machine code (else every allocation calls into Python)."""
        return self._code is not None

    def _native_malloc(self) -> mmap.mmap | None:
        if platform.machine().lower() not in ("x86_64", "amd64"):
            return None
        code = bytearray(_X86_64_MALLOC)
        code[_X86_64_STATE_AT:_X86_64_STATE_AT + 8] = ctypes.addressof(self._st).to_bytes(8, "little")
        page = mmap.mmap(-1, _PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        page.write(bytes(code))
        addr = ctypes.addressof(ctypes.c_char.from_buffer(page))
        if self._libc.mprotect(addr, _PAGE, mmap.PROT_READ | mmap.PROT_EXEC) != 0:
            log.debug("libespeak-ng arena: no executable page (%s); malloc calls into Python",
                      os.strerror(ctypes.get_errno()))
            return None
        return page

    # -- the allocator (called by libespeak-ng through its GOT) -------------------------------------
    def _make_callbacks(self) -> dict:
        st, words, base = self._st, self._words, self.base
        memmove, memset = ctypes.memmove, ctypes.memset

        def malloc(n: int) -> int:
            p = st[0]
            end = p + ((n + _HEADER + 15) & ~15)
            if end > st[1]:
                return self._overflow(n)
            st[0] = end
            words[(p - base) >> 3] = end - p
            return p + _HEADER

        def calloc(count: int, n: int) -> int:
            total = count * n
            if total >> 48:
                return 0
            p = malloc(total)
            if p:
                memset(p, 0, total)
            return p

        def realloc(p: int | None, n: int) -> int:
            if not p:
                return malloc(n)
            if base < p < st[1]:
                size = words[(p - _HEADER - base) >> 3]
                cap = size - _HEADER
                if n <= cap:
                    return p
                end = p - _HEADER + ((n + _HEADER + 15) & ~15)
                if p - _HEADER + size == st[0] and end <= st[1]:  # the last block grows in place
                    st[0] = end
                    words[(p - _HEADER - base) >> 3] = end - p + _HEADER
                    return p
            else:
                cap = self.foreign.get(p, 0)
            q = malloc(n)
            if q:
                memmove(q, p, min(cap, n))
            return q

        def strdup(s: int | None) -> int:
            n = len(ctypes.string_at(s)) + 1
            p = malloc(n)
            if p:
                memmove(p, s, n)
            return p

        return {
            "malloc": _Malloc(malloc), "calloc": _Calloc(calloc), "realloc": _Realloc(realloc),
            "strdup": _Strdup(strdup),
        }

    def _overflow(self, n: int) -> int:
        # never NULL where libc has memory (espeak-ng does not survive every failed allocation);
        # before the snapshot this makes :meth:`snapshot` refuse (the block would not be restored)
        p = self._libc.malloc(max(n, 1)) or 0
        if p:
            self.foreign[p] = n
        return p

    def address(self, name: str) -> int:
        """The function to put in the GOT slot of the library's import ``name``."""
        if name in ("malloc", "_Znwm", "_Znam"):
            if self._code is not None:
                return self.fast_malloc
            name = "malloc"
        return ctypes.cast(self.callbacks[name], ctypes.c_void_p).value

    # -- snapshot and restore ----------------------------------------------------------------------
    def snapshot(self) -> None:
        """Freeze the used part: it becomes a private mapping of a file holding a copy of it, so that
        :meth:`restore` puts back only the pages a clip wrote (the kernel drops their private copies;
        most of the snapshot is phoneme data that is only ever read). Where no such file can be made
        the copy is written back in full instead."""
        if self.foreign:
            raise Unsupported("the arena is too small for espeak-ng's initialization")
        self._snap_top = self.top
        self._snap_end = self.base + -(-(self.top - self.base) // _PAGE) * _PAGE
        self._snap = ctypes.string_at(self.base, self._snap_end - self.base)
        self._mapped = False
        try:
            fd = os.memfd_create("synthkit-espeak-arena", os.MFD_CLOEXEC)
        except (AttributeError, OSError):
            return
        try:
            os.ftruncate(fd, len(self._snap))
            os.pwrite(fd, self._snap, 0)
            libc = self._libc
            libc.mmap.restype = ctypes.c_void_p
            libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                  ctypes.c_long]
            got = libc.mmap(self.base, len(self._snap), mmap.PROT_READ | mmap.PROT_WRITE,
                            mmap.MAP_PRIVATE | _MAP_FIXED, fd, 0)
            if got != self.base:
                raise Unsupported("cannot map the arena snapshot")
            self._mapped = True
            self._runs = [(0, len(self._snap), False)]
        finally:
            os.close(fd)  # the mapping keeps the file

    def capture(self) -> ArenaState:
        """The arena now, as a difference to the snapshot (see :meth:`Restorable.capture`)."""
        if self.foreign:
            raise Unsupported("allocations outside the arena cannot be captured")
        now = ctypes.string_at(self.base, len(self._snap))
        snap = self._snap
        pages = tuple((self.base + i, now[i:i + _PAGE]) for i in range(0, len(snap), _PAGE)
                      if now[i:i + _PAGE] != snap[i:i + _PAGE])
        tail = ctypes.string_at(self._snap_end, max(0, self.top - self._snap_end))
        return ArenaState(pages, tail, self.top)

    def _revert(self) -> None:
        """Put the snapshot's pages back. Pages clips write every time (espeak-ng's audio buffer)
        are copied back — they stay private and never fault again; the rest are dropped, so that
        the few a clip happened to write revert to the snapshot file (pages nobody wrote cost
        nothing). Which pages are which is learned from the first clips (:data:`_LEARN_CLIPS`);
        either way every page ends up as in the snapshot."""
        if not self._mapped:
            ctypes.memmove(self.base, self._snap, len(self._snap))
            return
        if self._learn:
            now, snap = ctypes.string_at(self.base, len(self._snap)), self._snap
            dirty = {i for i in range(0, len(snap), _PAGE) if now[i:i + _PAGE] != snap[i:i + _PAGE]}
            if dirty:
                self._hot |= dirty
                self._learn -= 1
                self._runs = []
                for i in range(0, len(snap), _PAGE):
                    h = i in self._hot
                    if self._runs and self._runs[-1][2] == h:
                        off, length, _ = self._runs[-1]
                        self._runs[-1] = (off, length + _PAGE, h)
                    else:
                        self._runs.append((i, _PAGE, h))
        snap_addr = ctypes.cast(ctypes.c_char_p(self._snap), ctypes.c_void_p).value
        for off, length, hot in self._runs:
            if hot:
                ctypes.memmove(self.base + off, snap_addr + off, length)
            else:
                self._map.madvise(mmap.MADV_DONTNEED, off, length)

    def restore(self, state: ArenaState | None = None) -> None:
        used_end = self.top
        self._revert()
        zero_from = self._snap_end
        if state is None:
            self._st[0] = self._snap_top
        else:
            for addr, page in state.pages:
                ctypes.memmove(addr, page, _PAGE)
            ctypes.memmove(self._snap_end, state.tail, len(state.tail))
            zero_from += len(state.tail)
            self._st[0] = state.top
        n = used_end - zero_from
        if n > _ZERO_IN_PLACE:  # hand whole pages back (they read as zero)
            lo, hi = -(-zero_from // _PAGE) * _PAGE, used_end // _PAGE * _PAGE
            ctypes.memset(zero_from, 0, lo - zero_from)
            self._map.madvise(mmap.MADV_DONTNEED, lo - self.base, hi - lo)
            ctypes.memset(hi, 0, used_end - hi)
        elif n > 0:
            ctypes.memset(zero_from, 0, n)
        for p in self.foreign:
            self._libc.free(p)
        self.foreign.clear()


@dataclass(frozen=True)
class ArenaState:
    pages: tuple[tuple[int, bytes], ...]  # snapshot pages that differ: (address, page)
    tail: bytes  # the arena above the snapshot's pages, up to ``top``
    top: int


@dataclass(frozen=True)
class Saved:
    """A state of the library other than the snapshot, to restore instead of it (e.g. right after
    selecting a voice): its writable data, and its arena as a difference to the snapshot's."""

    data: tuple[bytes, ...]
    arena: ArenaState

    @property
    def nbytes(self) -> int:
        return sum(map(len, self.data)) + len(self.arena.tail) + _PAGE * len(self.arena.pages)


class Restorable:
    """A loaded libespeak-ng (``ctypes.CDLL``) whose state can be put back to a snapshot."""

    def __init__(self, path: str, layout: Layout, arena_bytes: int = ARENA_BYTES, native: bool = True) -> None:
        self.layout = layout
        self.arena = Arena(arena_bytes, native)
        self.lib = ctypes.CDLL(path)
        name, addr = layout.anchor
        self.base = ctypes.cast(getattr(self.lib, name), ctypes.c_void_p).value - addr
        nop = ctypes.cast(_libc().labs, ctypes.c_void_p).value  # free(p) -> labs(p): returns, touches nothing
        for sym, slots in layout.slots.items():
            target = nop if sym in _FREE else self.arena.address(sym)
            for off in slots:
                ctypes.c_void_p.from_address(self.base + off).value = target
        self._state: list[tuple[int, bytes]] = []
        self.lock = threading.Lock()

    def snapshot(self) -> None:
        """Take the snapshot that :meth:`restore` puts back (once, right after initialization)."""
        self._state = [(self.base + a, ctypes.string_at(self.base + a, n)) for a, n in self.layout.state]
        self.arena.snapshot()

    def capture(self) -> Saved:
        """The library's state now, to :meth:`restore` later instead of the snapshot. Raises
        :class:`Unsupported` when part of it lies outside the arena."""
        return Saved(tuple(ctypes.string_at(addr, len(b)) for addr, b in self._state), self.arena.capture())

    def restore(self, saved: Saved | None = None) -> None:
        """Put the library back into the snapshot's state (or into a :meth:`capture`'d one)."""
        for (addr, snap), data in zip(self._state, saved.data if saved else (None,) * len(self._state)):
            b = snap if data is None else data
            ctypes.memmove(addr, b, len(b))
        self.arena.restore(saved.arena if saved else None)
