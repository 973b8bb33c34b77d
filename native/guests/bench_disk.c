/*
 * bench_disk: times virtio-blk I/O from inside the guest for bench/disk.js. The transport
 * is disk_virtio.c's (lib/virtio_pci.c: modern virtio 1.0 PCI, 1af4:1042, polled: VIRTQ_AVAIL_F_NO_INTERRUPT
 * and the used index read in a loop), with room for BENCH_DISK_DEPTH requests at a time.
 *
 * Each phase runs twice: at depth 1 (one request, notify, wait) and at depth
 * BENCH_DISK_DEPTH (that many chains put in the avail ring, ONE notify, then wait for all
 * of them: batches, not a sliding window). Phases, in this order:
 *   seqread   BENCH_SEQ_MIB MiB from sector 0 in 64 KiB IN requests
 *   seqwrite  BENCH_SEQ_MIB MiB from BENCH_SEQW_MIB MiB on in 64 KiB OUT requests, every
 *             byte 0x5a (one shared buffer)
 *   randread  BENCH_RAND_N 4 KiB IN requests at 4 KiB-aligned offsets in the first
 *             BENCH_RAND_SPAN_MIB MiB, from xorshift32 (seed 2463534242, fixed)
 *   randwrite the same count and sequence for OUT requests, each 4 KiB block written
 *             with its own original content (tags below), so the image stays as it was
 *   flush     one FLUSH request (timed once)
 * Image (bench/disk.js writes it): every 512-byte sector s starts with le32 s, le32
 * BENCH_TAG; the rest is zero. Reads check the tag of the first sector of every request.
 * Data buffers live at BENCH_BUF (8 MiB; above this image, below the 64 MiB QEMU is given):
 * slot i at BENCH_BUF + i * 64 KiB, the seqwrite buffer after the last slot.
 *
 * Time: TSC at the CPUID 0x40000010 EAX frequency (Vireo; QEMU with
 * -cpu ...,vmware-cpuid-freq=on,+invtsc), else calibrated against PIT channel 2 (10 ms).
 * Prints (the numbers are the guest's own time, including its loop instructions):
 *   bench: tsc_khz=<kHz> source=cpuid|pit
 *   bench: <phase> qd=<d> reqs=<n> bytes=<b> us=<t> MiB/s=<x.yy> IOPS=<x.y>
 *   bench: flush us=<t>
 * then "PASS bench_disk" and exit code 0 through port 0xf4.
 *
 * qemu-check: skip a benchmark, not a test: run it through npm run bench:disk
 */
#include "guest.h"

#include "pci.h"
#include "tsc.h"
#include "virtio_pci.h"

#ifndef BENCH_DISK_DEPTH
#define BENCH_DISK_DEPTH 8u
#endif
#ifndef BENCH_SEQ_MIB
#define BENCH_SEQ_MIB 16u
#endif
#ifndef BENCH_SEQW_MIB
#define BENCH_SEQW_MIB 64u
#endif
#ifndef BENCH_RAND_N
#define BENCH_RAND_N 2000u
#endif
#ifndef BENCH_RAND_SPAN_MIB
#define BENCH_RAND_SPAN_MIB 64u
#endif
#define BENCH_TAG 0x4b444256u /* "VBDK" */
#define BENCH_BUF 0x800000u
#define SEQ_REQ (64u * 1024)
#define RAND_REQ 4096u
#define QSZ 32u /* >= 3 descriptors per request in flight */
#define F_NEXT VIRTQ_DESC_F_NEXT
#define F_WRITE VIRTQ_DESC_F_WRITE
#define T_IN 0u
#define T_OUT 1u
#define T_FLUSH 4u

_Static_assert(BENCH_DISK_DEPTH >= 1 && 3 * BENCH_DISK_DEPTH <= QSZ, "depth vs ring size");
_Static_assert((BENCH_RAND_SPAN_MIB & (BENCH_RAND_SPAN_MIB - 1)) == 0, "span: power of two");

static struct virtq_desc desc[QSZ] __attribute__((aligned(16)));
static VIRTQ_AVAIL(QSZ) avail __attribute__((aligned(2)));
static volatile VIRTQ_USED(QSZ) used __attribute__((aligned(4)));
static struct virtio_blk_hdr hdr[BENCH_DISK_DEPTH];
static volatile uint8_t status[BENCH_DISK_DEPTH];

static struct virtio_pci vp;
static uint16_t used_seen;
static uint32_t tsc_khz;

static void barrier(void) { __asm__ volatile("" ::: "memory"); }

static uint32_t *slot_buf(unsigned i) { return (uint32_t *)(BENCH_BUF + i * SEQ_REQ); }
#define SEQW_BUF ((uint32_t *)(BENCH_BUF + BENCH_DISK_DEPTH * SEQ_REQ))

/* `rep stosl`: one instruction for the whole fill (a C loop costs ~4 emulated
 * instructions per word on the build hosts). */
static void fill32(uint32_t *dst, uint32_t v, uint32_t words)
{
	__asm__ volatile("rep stosl" : "+D"(dst), "+c"(words) : "a"(v) : "memory");
}

/* Chains for slots 0..depth-1: descriptors 3i (header), 3i+1 (data), 3i+2 (status). */
static void prepare(uint32_t type, uint32_t len, unsigned depth, int shared_buf)
{
	unsigned i;

	for (i = 0; i < depth; i++) {
		uintptr_t data = shared_buf ? (uintptr_t)SEQW_BUF : (uintptr_t)slot_buf(i);
		uint16_t dflags = (uint16_t)(F_NEXT | (type == T_IN ? F_WRITE : 0));
		hdr[i].type = type;
		desc[3 * i] = (struct virtq_desc){(uintptr_t)&hdr[i], sizeof hdr[i], F_NEXT, (uint16_t)(3 * i + (len ? 1 : 2))};
		desc[3 * i + 1] = (struct virtq_desc){data, len, dflags, (uint16_t)(3 * i + 2)};
		desc[3 * i + 2] = (struct virtq_desc){(uintptr_t)&status[i], 1, F_WRITE, 0};
	}
}

/* Puts slots 0..k-1 in the avail ring, notifies once, waits until all k are used
 * (5 s of TSC at most) and checks every status byte. */
static void run_batch(unsigned k)
{
	unsigned i;
	uint16_t target = (uint16_t)(used_seen + k);
	uint64_t t0, limit = (uint64_t)tsc_khz * 5000;

	for (i = 0; i < k; i++) {
		status[i] = 0xee;
		avail.ring[(uint16_t)(avail.idx + i) % QSZ] = (uint16_t)(3 * i);
	}
	barrier();
	avail.idx = (uint16_t)(avail.idx + k);
	barrier();
	mmio_write16(vp.notify, 0);
	t0 = rdtsc();
	while (used.idx != target) {
		if (rdtsc() - t0 > limit)
			fail("virtio: %u requests (type %u) not completed after 5 s: used %u of %u", k,
			     hdr[0].type, (uint16_t)(used.idx - used_seen), k);
		pause();
	}
	used_seen = target;
	barrier();
	for (i = 0; i < k; i++)
		if (status[i])
			fail("virtio: type %u sector %u: status %u", hdr[i].type, (uint32_t)hdr[i].sector, status[i]);
}

static void check_tag(unsigned slot, uint32_t sector)
{
	uint32_t *p = slot_buf(slot);
	if (p[0] != sector || p[1] != BENCH_TAG)
		fail("read of sector %u: tag %08x %08x, expected %08x %08x", sector, p[0], p[1], sector, BENCH_TAG);
}

static uint32_t xorshift(uint32_t x)
{
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* Prints the result line for one phase; `cycles` of TSC for `reqs` requests of `len`. */
static void report(const char *name, unsigned depth, uint32_t reqs, uint32_t len, uint64_t cycles)
{
	uint64_t us = cycles * 1000, bytes = (uint64_t)reqs * len, mibs, iops;

	div64_32(&us, tsc_khz);
	if (!us)
		us = 1;
	mibs = bytes * 100000000ull >> 20; /* MiB/s x 100 = bytes x 1e6 x 100 / 2^20 / us */
	div64_32(&mibs, (uint32_t)us);
	iops = (uint64_t)reqs * 10000000ull; /* IOPS x 10 */
	div64_32(&iops, (uint32_t)us);
	uint32_t mibs_frac = div64_32(&mibs, 100), iops_frac = div64_32(&iops, 10);
	printf("bench: %s qd=%u reqs=%u bytes=%u us=%u MiB/s=%u.%02u IOPS=%u.%u\n", name, depth, reqs,
	       (uint32_t)bytes, (uint32_t)us, (uint32_t)mibs, mibs_frac, (uint32_t)iops, iops_frac);
}

static void seq_phase(uint32_t type, unsigned depth)
{
	uint32_t reqs = BENCH_SEQ_MIB * (1024 * 1024 / SEQ_REQ), per = SEQ_REQ / 512;
	uint32_t sector = type == T_IN ? 0 : BENCH_SEQW_MIB * 2048, n, i, k;
	uint64_t t0;

	prepare(type, SEQ_REQ, depth, type == T_OUT);
	t0 = rdtsc();
	for (n = 0; n < reqs; n += k) {
		k = reqs - n < depth ? reqs - n : depth;
		for (i = 0; i < k; i++)
			hdr[i].sector = sector + (n + i) * per;
		run_batch(k);
		if (type == T_IN)
			for (i = 0; i < k; i++)
				check_tag(i, sector + (n + i) * per);
	}
	report(type == T_IN ? "seqread" : "seqwrite", depth, reqs, SEQ_REQ, rdtsc() - t0);
}

static void rand_phase(uint32_t type, unsigned depth)
{
	uint32_t x = 2463534242u, blocks = BENCH_RAND_SPAN_MIB * (1024 * 1024 / RAND_REQ), n, i, j, k;
	uint64_t t0;

	prepare(type, RAND_REQ, depth, 0);
	if (type == T_OUT)
		for (i = 0; i < depth; i++)
			fill32(slot_buf(i), 0, RAND_REQ / 4);
	t0 = rdtsc();
	for (n = 0; n < BENCH_RAND_N; n += k) {
		k = BENCH_RAND_N - n < depth ? BENCH_RAND_N - n : depth;
		for (i = 0; i < k; i++) {
			x = xorshift(x);
			uint32_t s = (x & (blocks - 1)) * (RAND_REQ / 512);
			hdr[i].sector = s;
			if (type == T_OUT) {
				uint32_t *p = slot_buf(i);
				for (j = 0; j < RAND_REQ / 512; j++) {
					p[j * 128] = s + j;
					p[j * 128 + 1] = BENCH_TAG;
				}
			}
		}
		run_batch(k);
		if (type == T_IN)
			for (i = 0; i < k; i++)
				check_tag(i, (uint32_t)hdr[i].sector);
	}
	report(type == T_IN ? "randread" : "randwrite", depth, BENCH_RAND_N, RAND_REQ, rdtsc() - t0);
}

static int is_virtio_blk(uint32_t id, uint32_t class_rev)
{
	(void)class_rev;
	return id == 0x10421af4u;
}

/* Virtio 1.0 3.1.1 initialization with queue 0 of QSZ entries; returns the capacity in
 * sectors. */
static uint64_t virtio_init(void)
{
	int dev = pci_find(is_virtio_blk);
	uint32_t f_lo, f_hi;

	if (dev < 0)
		fail("no virtio-blk (1af4:1042) on PCI bus 0");
	pci_cfg_write16((unsigned)dev, 4, (uint16_t)(pci_cfg_read((unsigned)dev, 4) | 0x6));
	virtio_pci_caps((unsigned)dev, &vp);
	f_lo = virtio_pci_features(&vp, &f_hi);
	if (!(f_lo & (1u << 9)))
		fail("virtio: FLUSH not offered");
	virtio_pci_accept(&vp, 1u << 9); /* FLUSH */
	avail.flags = VIRTQ_AVAIL_F_NO_INTERRUPT; /* this guest polls */
	virtio_pci_queue0(&vp, QSZ, desc, &avail, &used);
	virtio_pci_driver_ok(&vp);
	return mmio_read32(vp.device) | (uint64_t)mmio_read32(vp.device + 4) << 32;
}

void guest_main(void)
{
	const char *source = "";
	uint64_t sectors, t0;
	uint64_t need = (uint64_t)(BENCH_SEQW_MIB + BENCH_SEQ_MIB) * 2048;
	unsigned depths[2] = {1, BENCH_DISK_DEPTH}, d;

	tsc_khz = tsc_khz_find(&source);
	printf("bench: tsc_khz=%u source=%s\n", tsc_khz, source);
	sectors = virtio_init();
	if (sectors < need || sectors < BENCH_RAND_SPAN_MIB * 2048u)
		fail("disk has %u sectors, need %u", (uint32_t)sectors, (uint32_t)need);
	printf("bench: capacity=%u sectors depth=%u\n", (uint32_t)sectors, BENCH_DISK_DEPTH);
	fill32(SEQW_BUF, 0x5a5a5a5au, SEQ_REQ / 4);

	/* Warm-up, untimed: the first request of each kind faults in host state. */
	prepare(T_IN, RAND_REQ, 1, 0);
	hdr[0].sector = 0;
	run_batch(1);
	check_tag(0, 0);

	for (d = 0; d < 2; d++) {
		seq_phase(T_IN, depths[d]);
		seq_phase(T_OUT, depths[d]);
		rand_phase(T_IN, depths[d]);
		rand_phase(T_OUT, depths[d]);
	}
	prepare(T_FLUSH, 0, 1, 0);
	hdr[0].sector = 0;
	t0 = rdtsc();
	run_batch(1);
	t0 = (rdtsc() - t0) * 1000;
	div64_32(&t0, tsc_khz);
	printf("bench: flush us=%u\n", (uint32_t)t0);
	pass();
}
