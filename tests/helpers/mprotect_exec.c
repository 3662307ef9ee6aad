/* mprotect_exec — makes memory executable the ways the mprotect event must see:
 * an anonymous RW page turned R+X (a W->X change), a read-only mapping of the file
 * argv[1] turned R+X, and that mapping again (already executable: nothing added, no event).
 * Prints the two addresses as "anon=0x... file=0x...". */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	char *anon, *file;
	int fd;

	if (argc != 2)
		return 2;
	anon = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = open(argv[1], O_RDONLY);
	if (anon == MAP_FAILED || fd < 0)
		return 1;
	memset(anon, 0xc3, page); /* ret */
	file = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0);
	if (file == MAP_FAILED)
		return 1;
	if (mprotect(anon, page, PROT_READ | PROT_EXEC) < 0 || mprotect(file, page, PROT_READ | PROT_EXEC) < 0 ||
	    mprotect(file, page, PROT_READ | PROT_EXEC) < 0)
		return 1;
	printf("anon=%p file=%p\n", (void *)anon, (void *)file);
	return 0;
}
