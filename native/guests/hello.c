/* hello: the smallest guest. Milestone 1 at entry, one line on COM1, exit code 0. */
#include "guest.h"

void guest_main(void)
{
	milestone(1);
	printf("Hello from Vireo guest\n");
	pass();
}
