// The built-in 8x16 text font, used when the guest has not loaded a font into VGA plane 2
// (no VGA BIOS ran). Glyphs are the project's own 5x8 drawings for printable ASCII,
// doubled vertically and placed one column in from the left of the 8x16 cell.
#pragma once
#include <cstdint>

namespace vireo {

// 16 rows, bit 7 = leftmost pixel. Printable ASCII (0x20-0x7E) has real glyphs; 0x00
// and 0xFF are blank; every other code shows a hollow box.
const uint8_t* builtin_glyph_8x16(uint8_t ch);

}  // namespace vireo
