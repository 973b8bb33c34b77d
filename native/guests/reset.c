/*
 * reset: survives a warm reset through the i8042.
 * A boot record at 0x600 (free low memory, Vireo's layout::kResetCounter) holds a magic
 * value, the boot number and its complement; RAM is kept across the reset while the
 * VMM (or QEMU's linuxboot ROM) loads the kernel image again.
 *   boot 1: prints "reset: boot 1, pulsing i8042 reset" and writes command 0xfe (pulse
 *           output port bit 0, the CPU reset line) to port 0x64; fails if still running
 *           100 ms later
 *   boot 2: prints "reset: boot 2", clears the record and passes
 */
#include "guest.h"

#define BOOT_RECORD_ADDR 0x600
#define BOOT_RECORD_MAGIC 0x54534552u /* "REST" */
#define I8042_COMMAND 0x64
#define I8042_PULSE_RESET 0xfe

struct boot_record {
	uint32_t magic;
	uint32_t boot;
	uint32_t boot_check; /* ~boot */
};

static volatile struct boot_record *const record = (volatile struct boot_record *)BOOT_RECORD_ADDR;

static void clear_record(void)
{
	record->magic = 0;
	record->boot = 0;
	record->boot_check = 0;
}

void guest_main(void)
{
	uint32_t boot = 1;

	if (record->magic == BOOT_RECORD_MAGIC && record->boot_check == ~record->boot)
		boot = record->boot + 1;
	record->boot = boot;
	record->boot_check = ~boot;
	record->magic = BOOT_RECORD_MAGIC;

	if (boot == 1) {
		printf("reset: boot 1, pulsing i8042 reset\n");
		outb(I8042_COMMAND, I8042_PULSE_RESET);
		delay_us(100000);
		clear_record();
		fail("still running 100 ms after the i8042 reset pulse");
	}
	clear_record();
	printf("reset: boot %u\n", boot);
	if (boot != 2)
		fail("boot %u: expected boot 2", boot);
	pass();
}
