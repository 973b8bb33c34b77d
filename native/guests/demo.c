/*
 * demo: the built-in demo VM of the desktop app. It boots in a fraction of a second,
 * then sleeps in `hlt` between timer ticks (PIT channel 0 at 100 Hz, IRQ0) and serial
 * interrupts (COM1 receive, IRQ4), both through the 8259 and LAPIC LINT0 (ExtINT).
 *
 *   serial   banner, then echoes what the user types (CR -> CRLF, backspace); a line
 *            ended with Enter is offered to the host as the guest's clipboard
 *   SVGA     15ad:0405 at 1024x768x32: gradient, title bar "Vireo", colored squares and
 *            an info panel (clock, screen size, tools state, typed line, clipboard, last
 *            host command), drawn with FIFO RECT_FILL commands and UPDATE rectangles;
 *            the clock line is redrawn once a second (demo_svga.h, demo_text.h)
 *   tools    VMware backdoor: GETVERSION, GuestRPC (RPCI + TCLO: demo_tools.h), legacy
 *            clipboard polled once a second (demo_clipboard.h)
 *   milestones (port 0xf8): 1 at entry, 2 when the screen is drawn, 3 when the tools
 *            agent has registered its capabilities
 * Missing pieces are reported on serial and skipped: no SVGA means serial only, no
 * backdoor means no agent ("demo: no VMware backdoor").
 *
 * It never exits on its own: power it off from the host (TCLO OS_Halt, or the VMM).
 * Under QEMU (its vmport answers GETVERSION but has no GuestRPC; its vmware-svga draws
 * with the CPU fallback here, see demo_svga.h):
 *   qemu-system-x86_64 -enable-kvm -M pc -vga vmware -display none -serial stdio \
 *     -monitor unix:/tmp/qm.sock,server,nowait -kernel native/guests/build/demo.bin \
 *     -device isa-debug-exit,iobase=0xf4,iosize=4
 * and `screendump <file.ppm>` on the monitor socket for a picture.
 * qemu-check: skip runs until powered off
 */
#include "guest.h"

#include "demo_clipboard.h"
#include "demo_str.h"
#include "demo_svga.h"
#include "demo_text.h"
#include "demo_time.h"
#include "demo_tools.h"

#define TICK_HZ 100
#define COM1 0x3f8
#define COM1_IRQ 4
#define UART_IER 1
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DATA_READY 0x01
#define RX_RING 256
#define LINE_CAP 120

enum { L_HELP, L_CLOCK, L_SCREEN, L_TOOLS, L_TYPED, L_SENT, L_CLIP, L_HOST, N_LINES };

static volatile uint32_t ticks;
static volatile uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head, rx_tail; /* head: written by the IRQ4 handler */
static volatile bool rx_stalled;           /* the ring was full: bytes wait in the UART */

static char line[LINE_CAP];
static uint32_t line_len;
static bool after_cr, registered;
static bool typed_changed;  /* the Typed line needs a redraw (once per batch of input) */
static bool interactive;    /* the prompt is in use (after boot) */
static bool prompt_visible; /* the cursor ends "> " + line */

static struct text_line lines[N_LINES];
static char line_text[N_LINES][TEXT_LINE_MAX]; /* what each panel line says, kept for redraws */

/* ---- screen ------------------------------------------------------------------------- */

#define PANEL_X 24
#define PANEL_Y 172       /* 80 on screens under 400 rows, which get no squares */
#define LINE_PITCH 24
#define TEXT_SCALE 2
#define PANEL_BG 0x0c1420u
#define TEXT_FG 0xe0e8f0u
#define ACCENT 0xf0a030u

/* Sets a panel line; the font is ASCII, so each UTF-8 character becomes one '?'. */
static void show_line(unsigned i, const char *label, const char *value)
{
	struct sbuf b;
	sb_init(&b, line_text[i], sizeof line_text[i]);
	sb_str(&b, label);
	for (; *value; value++) {
		uint8_t c = (uint8_t)*value;
		if ((c & 0xc0) != 0x80) /* continuation bytes are skipped */
			sb_char(&b, c < 0x80 ? (char)c : '?');
	}
	if (svga.present)
		text_line_set(&lines[i], line_text[i]);
}

static void screen_draw(void)
{
	static const uint32_t squares[5] = {0xe04040, ACCENT, 0x40c060, 0x4080e0, 0xa060d0};
	uint32_t w = svga.width, h = svga.height, band = (h + 63) / 64;
	uint32_t panel_y = h < 400 ? 80 : PANEL_Y;

	/* Vertical gradient in 64 bands: (0x18,0x30,0x58) at the top to (0x40,0x90,0xa0). */
	for (uint32_t i = 0; i < 64; i++)
		svga_fill((0x18 + 0x28 * i / 63) << 16 | (0x30 + 0x60 * i / 63) << 8 | (0x58 + 0x48 * i / 63),
			  0, i * band, w, band);
	svga_fill(0x141c2c, 0, 0, w, 64); /* title bar */
	svga_fill(ACCENT, 0, 64, w, 4);
	for (uint32_t i = 0; i < 5; i++)
		text_char(20 + i * 6 * 6, 11, 6, 0xffffff, 0x141c2c, "Vireo"[i], false);
	for (uint32_t i = 0; i < 10; i++)
		text_char(216 + i * 12, 39, 2, 0x90a8c0, 0x141c2c, "demo guest"[i], false);
	for (uint32_t i = 0; i < 5 && h >= 400; i++)
		svga_fill(squares[i], 24 + i * 72, 92, 56, 56);
	if (w > 2 * PANEL_X + 32)
		svga_fill(PANEL_BG, PANEL_X, panel_y, w - 2 * PANEL_X, 16 + N_LINES * LINE_PITCH);
	uint32_t chars = w > 2 * PANEL_X + 32 ? (w - 2 * PANEL_X - 32) / (TEXT_CELL_W * TEXT_SCALE) : 0;
	for (unsigned i = 0; i < N_LINES; i++) {
		text_line_init(&lines[i], PANEL_X + 16, panel_y + 12 + i * LINE_PITCH, TEXT_SCALE, chars,
			       i == L_HELP ? ACCENT : TEXT_FG, PANEL_BG);
		text_line_set(&lines[i], line_text[i]);
	}
	svga_present();
}

static void show_screen_size(void)
{
	char text[32];
	struct sbuf b;
	sb_init(&b, text, sizeof text);
	sb_uint(&b, svga.width, 0);
	sb_str(&b, " x ");
	sb_uint(&b, svga.height, 0);
	show_line(L_SCREEN, "Screen  ", svga.present ? text : "no SVGA device");
}

static void show_typed(void)
{
	char text[TEXT_LINE_MAX];
	uint32_t room = lines[L_TYPED].max_chars > 9 ? lines[L_TYPED].max_chars - 9 : 0;
	uint32_t from = line_len > room ? line_len - room : 0;
	memcpy(text, line + from, line_len - from);
	text[line_len - from] = '_';
	text[line_len - from + 1] = 0;
	show_line(L_TYPED, "Typed   ", text);
}

static void show_clock(uint32_t now)
{
	char text[48];
	struct sbuf b;
	uint32_t tod, up = now / TICK_HZ;
	sb_init(&b, text, sizeof text);
	if (rtc_time_of_day(&tod)) {
		sb_clock(&b, tod);
		sb_str(&b, " UTC");
	} else {
		sb_str(&b, "--:--:--");
	}
	sb_str(&b, "   up ");
	sb_uint(&b, up / 3600, 0);
	sb_char(&b, ':');
	sb_uint(&b, up / 60 % 60, 2);
	sb_char(&b, ':');
	sb_uint(&b, up % 60, 2);
	show_line(L_CLOCK, "Clock   ", text);
}

/* ---- hooks for demo_tools.h ------------------------------------------------------------ */

static void show_prompt(void)
{
	serial_puts("> ");
	for (uint32_t i = 0; i < line_len; i++)
		serial_putc(line[i]);
	prompt_visible = true;
}

/* A message while the user may be typing: clear the prompt line, print, restore it. */
static void demo_note(const char *fmt, ...)
{
	va_list ap;
	if (prompt_visible)
		serial_puts("\r\x1b[K");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	serial_putc('\n');
	if (interactive)
		show_prompt();
}

static bool demo_has_display(void)
{
	return svga.present;
}

static bool demo_resolution_set(uint32_t w, uint32_t h)
{
	uint32_t old_w = svga.width, old_h = svga.height;
	if (!svga.present)
		return false;
	svga_set_mode(&w, &h);
	if (!w) {
		w = old_w, h = old_h;
		svga_set_mode(&w, &h);
		if (!w) {
			svga.present = false;
			return false;
		}
	}
	screen_draw();
	show_screen_size();
	svga_present();
	demo_note("demo: screen %ux%u", w, h);
	return true;
}

static void demo_show_tools(const char *status)
{
	show_line(L_TOOLS, "Tools   ", status);
}

static void demo_show_command(const char *command)
{
	show_line(L_HOST, "Host    ", command);
}

static void demo_registered(void)
{
	if (registered)
		return;
	registered = true;
	milestone(3);
	demo_note("demo: tools agent registered (resolution, power, time, clipboard)");
}

/* ---- serial ------------------------------------------------------------------------------ */

/* Moves received bytes from the UART into the ring; interrupts are off (handler or cli). */
static void rx_drain(void)
{
	while (inb(COM1 + UART_LSR) & LSR_DATA_READY) {
		if (rx_head - rx_tail >= RX_RING) {
			rx_stalled = true;
			return;
		}
		rx_ring[rx_head % RX_RING] = inb(COM1);
		rx_head++;
	}
}

static void on_com1(struct irq_frame *frame)
{
	(void)frame;
	rx_drain();
	pic_eoi(COM1_IRQ);
}

static void on_timer(struct irq_frame *frame)
{
	(void)frame;
	ticks++;
	pic_eoi(0);
}

static void line_done(void)
{
	char done[LINE_CAP];
	uint32_t n = line_len;
	memcpy(done, line, n);
	done[n] = 0;
	line_len = 0;
	prompt_visible = false;
	typed_changed = true;
	if (n) {
		show_line(L_SENT, "Sent    ", done);
		if (tools.backdoor && clip_offer(done, n))
			demo_note("demo: line offered to the host clipboard (%u bytes)", n);
	}
	if (!prompt_visible)
		show_prompt();
}

static void on_char(uint8_t c)
{
	if (c == '\r' || c == '\n') {
		bool lf_of_crlf = c == '\n' && after_cr;
		after_cr = c == '\r';
		if (!lf_of_crlf) {
			serial_putc('\n'); /* "\r\n" */
			line_done();
		}
		return;
	}
	after_cr = false;
	if (c == 0x08 || c == 0x7f) {
		if (!line_len)
			return;
		while (line_len > 1 && ((uint8_t)line[line_len - 1] & 0xc0) == 0x80)
			line_len--; /* UTF-8 continuation bytes of the same character */
		line_len--;
		serial_puts("\b \b");
	} else if (c == '\t' || c >= 0x20) { /* other control bytes (escape sequences) are dropped */
		serial_putc((char)c);
		if (line_len < LINE_CAP - 1)
			line[line_len++] = c == '\t' ? ' ' : (char)c;
	} else {
		return;
	}
	typed_changed = true;
}

/* ---- main --------------------------------------------------------------------------------- */

static void every_second(uint32_t now)
{
	static uint32_t dropped;
	if (svga.dropped != dropped) {
		dropped = svga.dropped;
		demo_note("demo: %u SVGA commands dropped so far: the FIFO stayed full", dropped);
	}
	show_clock(now);
	if (tools.backdoor && clip_poll()) {
		demo_note("demo: host clipboard: %s", clip.shown);
		show_line(L_CLIP, "Clip    ", clip.shown);
	}
}

static void interrupts_start(void)
{
	idt_set_handler(PIC_VECTOR_BASE + 0, on_timer);
	idt_set_handler(PIC_VECTOR_BASE + COM1_IRQ, on_com1);
	pic_remap(PIC_VECTOR_BASE, PIC_VECTOR_BASE + 8);
	lapic_enable();
	lapic_virtual_wire();
	pit_periodic(TICK_HZ);
	outb(COM1 + UART_IER, 0x01);      /* received data available */
	outb(COM1 + UART_MCR, 0x0b);      /* DTR, RTS, OUT2 (gates IRQ4 on PC wiring) */
	pic_unmask(0);
	pic_unmask(COM1_IRQ);
}

void guest_main(void)
{
	milestone(1);
	printf("\nVireo demo guest\n"
	       "Type here and the guest echoes it; Enter offers the line to the host clipboard.\n"
	       "Resize the window to change the guest screen; copy text on the host to send it in.\n");
	show_line(L_HELP, "", "Type in the serial console, resize the window, copy and paste text.");
	show_line(L_CLIP, "Clip    ", "(nothing from the host yet)");
	show_line(L_SENT, "Sent    ", "(press Enter in the console)");
	show_line(L_HOST, "Host    ", "(no command yet)");
	if (svga_probe()) {
		show_screen_size();
		show_typed();
		show_clock(0);
		screen_draw();
		milestone(2);
	}
	tools_start();
	svga_present();
	interrupts_start();
	interactive = true;
	show_prompt();

	uint32_t seen = 0, second = 0;
	for (;;) {
		cli();
		if (rx_head == rx_tail && ticks == seen && !rx_stalled)
			sti_hlt(); /* the STI shadow: no interrupt slips in before HLT */
		else
			sti();
		while (rx_tail != rx_head) {
			on_char(rx_ring[rx_tail % RX_RING]);
			rx_tail++;
		}
		if (rx_stalled) {
			cli();
			rx_stalled = false;
			rx_drain();
			sti();
		}
		if (typed_changed) {
			typed_changed = false;
			show_typed();
		}
		uint32_t now = ticks;
		if (now != seen) {
			seen = now;
			tools_tick(now);
			if (now / TICK_HZ != second) {
				second = now / TICK_HZ;
				every_second(now);
			}
		}
		svga_present();
	}
}
