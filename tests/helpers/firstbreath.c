/* firstbreath — creates the file named by argv[1] as its very first act, then sleeps.
 * If the file exists, the program ran its own code: a kill at exec came too late. */
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 1)
		close(open(argv[1], O_CREAT | O_WRONLY, 0600));
	sleep(5);
	return 0;
}
