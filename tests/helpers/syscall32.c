/* syscall32 — a 32-bit (-m32 -static) program: every syscall it makes is an ia32 one,
 * which the x86 syscalls:* tracepoints do not see. Opens argv[1] (a marker path, created),
 * then loops on getpid for argv[2] (default 1) seconds, so rate-limited reports can be
 * observed. Prints its pid. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int seconds = argc > 2 ? atoi(argv[2]) : 1;
	time_t end;
	int fd;

	printf("%d\n", getpid());
	fflush(stdout);
	if (argc > 1 && (fd = open(argv[1], O_WRONLY | O_CREAT, 0600)) >= 0)
		close(fd);
	end = time(NULL) + seconds;
	while (time(NULL) < end)
		getpid();
	return 0;
}
