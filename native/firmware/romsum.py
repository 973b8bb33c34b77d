#!/usr/bin/env python3
"""romsum.py IN OUT: turns the flat linuxboot image into a valid option ROM.

Pads the image to whole 512-byte blocks (keeping one spare byte at the end for the
checksum), writes the block count at offset 2, makes the $PnP expansion header (offset
in the word at 0x1A, length in 16-byte units at header+5) sum to 0 through its checksum
byte at header+9, and makes the whole ROM sum to 0 mod 256 through its last byte, as
SeaBIOS is_valid_rom() and the PnP BIOS spec 1.0a require.
"""
import struct
import sys

BLOCK = 512


def fail(why):
    sys.exit(f"romsum: {why}")


def main(src, dst):
    rom = bytearray(open(src, "rb").read())
    if rom[0:2] != b"\x55\xaa":
        fail("no 0x55 0xAA signature")
    size = -(-(len(rom) + 1) // BLOCK) * BLOCK
    if size // BLOCK > 255:
        fail(f"{size} bytes do not fit the size byte")
    rom += bytes(size - len(rom))
    rom[2] = size // BLOCK

    pnp = struct.unpack_from("<H", rom, 0x1A)[0]
    if rom[pnp:pnp + 4] != b"$PnP":
        fail(f"no $PnP header at {pnp:#x}")
    pnp_len = rom[pnp + 5] * 16
    rom[pnp + 9] = 0
    rom[pnp + 9] = -sum(rom[pnp:pnp + pnp_len]) & 0xFF

    rom[-1] = 0
    rom[-1] = -sum(rom) & 0xFF
    open(dst, "wb").write(rom)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail("usage: romsum.py IN OUT")
    main(sys.argv[1], sys.argv[2])
