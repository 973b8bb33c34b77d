/*
 * svga_io.h: the VMware SVGA II register window (docs/svga-display.md): BAR0 is an I/O BAR
 * with SVGA_INDEX_PORT at +0 and SVGA_VALUE_PORT at +1, both 32-bit.
 *   svga_reg_read(io, index), svga_reg_write(io, index, value)
 */
#ifndef GUEST_SVGA_IO_H
#define GUEST_SVGA_IO_H

#include "io.h"

static inline uint32_t svga_reg_read(uint16_t io, uint32_t index)
{
	outl(io, index);
	return inl((uint16_t)(io + 1));
}

static inline void svga_reg_write(uint16_t io, uint32_t index, uint32_t value)
{
	outl(io, index);
	outl((uint16_t)(io + 1), value);
}

#endif
