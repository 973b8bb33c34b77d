/*
 * bare_kvm: the floor for bench/backdoor.js. Runs a project test guest (bzImage, see
 * native/guests/README.md) on /dev/kvm with nothing but what the guest needs, no Vireo
 * code, and answers the VMware backdoor port from the KVM_RUN loop:
 *
 *   - the protected-mode part (file offset (setup_sects + 1) * 512, setup_sects at 0x1F1)
 *     at 0x100000, entered in 32-bit flat protected mode (code 0x10, data 0x18, GDT at
 *     0x1000, paging off) with ESI = a zeroed zero page at 0x7000 and ESP = 0x8000
 *   - CPUID: only 0x40000000 (EAX = 0x40000010, "VMwareVMware") and 0x40000010 (EAX = TSC
 *     kHz from KVM_GET_TSC_KHZ), so the guest times itself without a PIT. The kvm_cpuid2
 *     buffer is built by hand: 8-byte header, then 40-byte entries
 *   - no irqchip, no PIT: the guest takes no interrupts; HLT ends the run
 *   - `in` on 0x5658 (4 bytes): GETVERSION (ECX 10) -> EAX 6, EBX magic, ECX 4; command 30
 *     (GuestRPC) gets a canned RPCI conversation: open -> channel 0, send size/data ->
 *     success, receive size -> the reply's length, receive data -> its words, status ->
 *     success. The reply is "1 " after the first request and "1 vireo-bench" after the
 *     rest (what bench_backdoor expects). Registers go through kvm_run->s.regs
 *     (KVM_CAP_SYNC_REGS), the result in RAX too (seen on the build hosts' KVM: the register
 *     write wins over the I/O data area).
 *   - COM1: writes to 0x3F8 go to stdout, LSR (0x3FD) reads 0x60; other `in` reads 0xFF
 *   - port 0xF4 (4 bytes) ends the run with the written value as the exit status
 *
 *   cc -O2 -Wall -o bench/build/bare_kvm bench/bare_kvm.c
 *   bench/build/bare_kvm native/guests/build/bench_backdoor.bin
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MEM_SIZE (64u << 20)
#define GDT_ADDR 0x1000u
#define ZERO_PAGE 0x7000u
#define STACK_TOP 0x8000u
#define KERNEL_ADDR 0x100000u
#define TSS_ADDR 0xfffbd000u

#define BDOOR_MAGIC 0x564D5868u
#define BDOOR_PORT 0x5658
#define COM1 0x3f8
#define DEBUG_EXIT 0xf4

static void die(const char *what)
{
	fprintf(stderr, "bare_kvm: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void load_kernel(const char *path, uint8_t *mem)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	size_t size = (size_t)st.st_size;
	uint8_t *file = malloc(size);
	if (!file || read(fd, file, size) != (ssize_t)size)
		die("read kernel");
	close(fd);
	if (size < 0x202 || memcmp(file + 0x202, "HdrS", 4) != 0) {
		fprintf(stderr, "bare_kvm: %s is not a bzImage\n", path);
		exit(2);
	}
	size_t setup = ((size_t)file[0x1f1] + 1) * 512;
	if (setup >= size || size - setup > MEM_SIZE - KERNEL_ADDR) {
		fprintf(stderr, "bare_kvm: %s: bad setup_sects or too large\n", path);
		exit(2);
	}
	memcpy(mem + KERNEL_ADDR, file + setup, size - setup);
	free(file);
}

static void set_cpuid(int vcpu, uint32_t tsc_khz)
{
	/* struct kvm_cpuid2 by hand: nent, padding, then the entries. */
	struct {
		uint32_t nent, padding;
		struct kvm_cpuid_entry2 e[2];
	} c;
	memset(&c, 0, sizeof c);
	c.nent = 2;
	c.e[0].function = 0x40000000u;
	c.e[0].eax = 0x40000010u;
	c.e[0].ebx = 0x61774d56u; /* "VMwareVMware" */
	c.e[0].ecx = 0x4d566572u;
	c.e[0].edx = 0x65726177u;
	c.e[1].function = 0x40000010u;
	c.e[1].eax = tsc_khz;
	if (ioctl(vcpu, KVM_SET_CPUID2, &c) < 0)
		die("KVM_SET_CPUID2");
}

static void flat(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof *s);
	s->selector = sel;
	s->limit = 0xffffffffu;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->db = 1;
	s->g = 1;
}

static void enter_protected_mode(int vcpu, struct kvm_run *run, uint8_t *mem)
{
	static const uint64_t gdt[4] = { 0, 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull };
	memcpy(mem + GDT_ADDR, gdt, sizeof gdt);
	struct kvm_sregs s;
	if (ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		die("KVM_GET_SREGS");
	flat(&s.cs, 0x10, 0xb);
	flat(&s.ds, 0x18, 0x3);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.gdt.base = GDT_ADDR;
	s.gdt.limit = sizeof gdt - 1;
	s.cr0 = 0x11; /* PE, ET */
	s.cr4 = 0;
	s.efer = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0)
		die("KVM_SET_SREGS");
	struct kvm_regs *r = &run->s.regs.regs;
	memset(r, 0, sizeof *r);
	r->rip = KERNEL_ADDR;
	r->rsi = ZERO_PAGE;
	r->rsp = STACK_TOP;
	r->rflags = 2;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
}

/* The canned GuestRPC peer (command 30): one RPCI channel, id 0. */
static const char *rpc_reply = "";
static uint32_t rpc_sent, rpc_requests, rpc_read;

static uint32_t word_at(const char *s, uint32_t off)
{
	uint32_t w = 0, n = (uint32_t)strlen(s);
	for (uint32_t j = 0; j < 4 && off + j < n; j++)
		w |= (uint32_t)(uint8_t)s[off + j] << (8 * j);
	return w;
}

static void guest_rpc(struct kvm_regs *r)
{
	uint32_t type = (uint32_t)r->rcx >> 16, ok = 0x00010000u;
	switch (type) {
	case 0: /* open: ECX success, EDX channel 0, ESI/EDI cookie */
		r->rcx = ok;
		r->rdx = 0;
		r->rsi = 0x1234;
		r->rdi = 0x5678;
		break;
	case 1: /* send size */
		rpc_sent = 0;
		r->rcx = ok;
		break;
	case 2: /* send data: the request ends with the last word; pick the reply */
		r->rcx = ok;
		if (++rpc_sent == 1)
			rpc_reply = rpc_requests++ ? "1 vireo-bench" : "1 ";
		break;
	case 3: /* receive size: SUCCESS | DORECV, EBX length, EDX type 1 */
		rpc_read = 0;
		r->rcx = 0x00030000u;
		r->rbx = strlen(rpc_reply);
		r->rdx = 0x00010000u;
		break;
	case 4: /* receive data */
		r->rcx = ok;
		r->rbx = word_at(rpc_reply, rpc_read);
		r->rdx = 0x00020000u;
		rpc_read += 4;
		break;
	default: /* receive status, close */
		r->rcx = ok;
		break;
	}
	r->rax = BDOOR_MAGIC; /* EAX keeps the magic for command 30 */
}

/* An `in`: the result goes to the data area and, as registers change too, to RAX. */
static void port_in(struct kvm_run *run, uint8_t *data)
{
	struct kvm_regs *r = &run->s.regs.regs;
	uint16_t port = run->io.port;
	uint32_t v = 0xffffffffu;
	if (port == BDOOR_PORT && run->io.size == 4 && (uint32_t)r->rax == BDOOR_MAGIC) {
		uint16_t cmd = (uint16_t)r->rcx;
		if (cmd == 10) {
			r->rbx = BDOOR_MAGIC;
			r->rcx = 4;
			v = 6;
		} else if (cmd == 30) {
			guest_rpc(r);
			v = (uint32_t)r->rax;
		}
		r->rax = v;
		run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
	} else if (port == COM1 + 5) {
		v = 0x60; /* LSR: THRE and TEMT */
	}
	memcpy(data, &v, run->io.size);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bare_kvm <bzImage>\n");
		return 2;
	}
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) <= 0) {
		fprintf(stderr, "bare_kvm: KVM_CAP_SYNC_REGS missing\n");
		return 2;
	}
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	ioctl(vm, KVM_SET_TSS_ADDR, TSS_ADDR); /* VMX wants it; others ignore it */
	uint8_t *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	struct kvm_userspace_memory_region region = { 0, 0, 0, MEM_SIZE, (uint64_t)(uintptr_t)mem };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	load_kernel(argv[1], mem);

	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	int khz = ioctl(vcpu, KVM_GET_TSC_KHZ, 0);
	if (khz <= 0)
		die("KVM_GET_TSC_KHZ");
	set_cpuid(vcpu, (uint32_t)khz);
	run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	enter_protected_mode(vcpu, run, mem);

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN");
		}
		run->kvm_dirty_regs = 0;
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			uint8_t *data = (uint8_t *)run + run->io.data_offset;
			if (run->io.direction == KVM_EXIT_IO_IN) {
				for (uint32_t i = 0; i < run->io.count; i++)
					port_in(run, data + i * run->io.size);
			} else if (run->io.port == COM1) {
				fwrite(data, run->io.size, run->io.count, stdout);
			} else if (run->io.port == DEBUG_EXIT && run->io.size == 4) {
				uint32_t code;
				memcpy(&code, data, 4);
				fflush(stdout);
				return (int)(code & 0xff);
			}
			break;
		}
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, sizeof run->mmio.data);
			break;
		case KVM_EXIT_HLT:
			fflush(stdout);
			fprintf(stderr, "bare_kvm: guest halted\n");
			return 3;
		default:
			fflush(stdout);
			fprintf(stderr, "bare_kvm: exit reason %u at rip 0x%llx\n", run->exit_reason,
				(unsigned long long)run->s.regs.regs.rip);
			return 3;
		}
	}
}
