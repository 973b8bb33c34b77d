/*
 * kbd_echo: the PS/2 keyboard path as an OS drives it, for keys typed through the host
 * API (electron/vmhost/input.kvm.test.ts types them; nothing else does).
 * Set-up, polled, the way a BIOS/OS initializes the 8042 (IBM PS/2 Technical Reference,
 * keyboard/auxiliary device controller):
 *   0xAD, 0xA7          keyboard and mouse interfaces off; stale output bytes flushed
 *   0xAA                controller self test: 0x55
 *   0xAE                keyboard interface on
 *   0x60 <0x65>         command byte: bit 0 IRQ1 on output-buffer-full, bit 2 system flag,
 *                       bit 5 mouse off, bit 6 XLATE (set 2 -> set 1 translation); read
 *                       back with 0x20
 *   0xFF to the kbd     reset: ACK 0xFA, then the BAT result 0xAA
 *   0xF4 to the kbd     enable scanning: ACK 0xFA
 * Then prints "kbd: ready" and takes every byte through IRQ1 -> 8259 (remapped to 0x20)
 * -> LAPIC LINT0 (ExtINT) -> vector 0x21. The handler reads one byte per interrupt, as
 * Linux's i8042 driver does, so each further byte has to arrive as a new IRQ1 edge.
 * Each wake-up prints the bytes taken since the last one, "kbd: 1e 9e" (set 1 after
 * translation). Escape's make code (0x01) ends the run: a summary line, then PASS.
 * qemu-check: skip waits for keys typed through Vireo's host API
 */
#include "guest.h"

#define I8042_DATA 0x60
#define I8042_STATUS 0x64 /* read: status; write: controller command */
#define STATUS_OBF 0x01   /* output buffer full: a byte waits at 0x60 */
#define STATUS_IBF 0x02   /* input buffer full: the controller has not taken our byte */
#define STATUS_AUX 0x20   /* the byte in the output buffer is from the mouse */

#define CMD_READ_CB 0x20
#define CMD_WRITE_CB 0x60
#define CMD_AUX_OFF 0xa7
#define CMD_SELF_TEST 0xaa
#define CMD_KBD_OFF 0xad
#define CMD_KBD_ON 0xae
#define CB_VALUE 0x65 /* IRQ1 | system flag | mouse off | XLATE */

#define KBD_RESET 0xff
#define KBD_ENABLE 0xf4
#define KBD_ACK 0xfa
#define KBD_BAT_OK 0xaa

#define KBD_IRQ 1
#define KBD_VECTOR (PIC_VECTOR_BASE + KBD_IRQ)
#define ESCAPE_MAKE 0x01 /* set 1 */
#define RING 64          /* power of two */
#define WAIT_STEP_US 50

static volatile uint8_t ring[RING];
static volatile uint32_t ring_head, ring_tail; /* head: written by the IRQ1 handler */
static volatile uint32_t irq_bytes, irq_empty, overruns;

static void on_keyboard(struct irq_frame *frame)
{
	(void)frame;
	/* IRR latches an edge while IRQ1 is masked, so an interrupt may find nothing. */
	uint8_t status = inb(I8042_STATUS);
	if (!(status & STATUS_OBF)) {
		irq_empty++;
	} else {
		uint8_t v = inb(I8042_DATA);
		if (status & STATUS_AUX) {
			irq_empty++; /* the mouse is off; a mouse byte here is dropped */
		} else if (ring_head - ring_tail >= RING) {
			overruns++;
		} else {
			ring[ring_head % RING] = v;
			ring_head++;
			irq_bytes++;
		}
	}
	pic_eoi(KBD_IRQ);
}

/* Waits until the controller has taken the last byte written to 0x60/0x64. */
static void wait_writable(const char *what)
{
	for (uint32_t i = 0; i < 2000; i++) {
		if (!(inb(I8042_STATUS) & STATUS_IBF))
			return;
		delay_us(WAIT_STEP_US);
	}
	fail("%s: input buffer still full after 100 ms", what);
}

/* Polls for the next output byte for at most `ms` milliseconds. */
static uint8_t read_byte(const char *what, uint32_t ms)
{
	for (uint32_t i = 0; i < ms * (1000 / WAIT_STEP_US); i++) {
		if (inb(I8042_STATUS) & STATUS_OBF)
			return inb(I8042_DATA);
		delay_us(WAIT_STEP_US);
	}
	fail("%s: no reply within %u ms", what, ms);
}

static void controller_command(uint8_t cmd, const char *what)
{
	wait_writable(what);
	outb(I8042_STATUS, cmd);
}

static void data_write(uint8_t v, const char *what)
{
	wait_writable(what);
	outb(I8042_DATA, v);
}

static void expect_byte(uint8_t want, const char *what, uint32_t ms)
{
	uint8_t got = read_byte(what, ms);
	if (got != want)
		fail("%s: got 0x%02x, expected 0x%02x", what, got, want);
}

static void init_controller(void)
{
	controller_command(CMD_KBD_OFF, "0xad (keyboard off)");
	controller_command(CMD_AUX_OFF, "0xa7 (mouse off)");
	for (int i = 0; i < 32 && (inb(I8042_STATUS) & STATUS_OBF); i++)
		inb(I8042_DATA);

	controller_command(CMD_SELF_TEST, "0xaa (self test)");
	expect_byte(0x55, "controller self test", 100);
	controller_command(CMD_KBD_ON, "0xae (keyboard on)");

	controller_command(CMD_WRITE_CB, "0x60 (write command byte)");
	data_write(CB_VALUE, "command byte");
	controller_command(CMD_READ_CB, "0x20 (read command byte)");
	expect_byte(CB_VALUE, "command byte read back", 100);

	data_write(KBD_RESET, "keyboard reset");
	expect_byte(KBD_ACK, "keyboard reset ACK", 100);
	expect_byte(KBD_BAT_OK, "keyboard self test (BAT)", 1000); /* a real keyboard takes ~500 ms */
	data_write(KBD_ENABLE, "enable scanning");
	expect_byte(KBD_ACK, "enable scanning ACK", 100);
}

void guest_main(void)
{
	idt_set_handler(KBD_VECTOR, on_keyboard);
	pic_remap(PIC_VECTOR_BASE, PIC_VECTOR_BASE + 8);
	lapic_enable();
	lapic_virtual_wire();

	init_controller();
	pic_unmask(KBD_IRQ);
	printf("kbd: ready\n");

	bool escape = false;
	while (!escape) {
		cli();
		if (ring_tail == ring_head) {
			sti_hlt(); /* no race: the interrupt that wakes us is taken after STI's shadow */
			continue;
		}
		printf("kbd:");
		while (ring_tail != ring_head) {
			uint8_t v = ring[ring_tail % RING];
			ring_tail++;
			printf(" %02x", v);
			escape = escape || v == ESCAPE_MAKE;
		}
		printf("\n");
	}
	cli();
	pic_mask(KBD_IRQ);
	printf("kbd: %u bytes in %u interrupts, %u interrupts without a byte\n", irq_bytes, irq_bytes + irq_empty,
	       irq_empty);
	if (overruns)
		fail("%u bytes lost: the guest's ring was full", overruns);
	pass();
}
