/* rtos_child: a process that only exits, with status 42 (tests/rtos/rtos_proc). */
int main(void)
{
	return 42;
}
