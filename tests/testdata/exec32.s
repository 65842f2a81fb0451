# A 32-bit static program: exec32 FAILPATH OKPATH MARKER
# execve(FAILPATH, [FAILPATH, MARKER]) (expected to fail), then
# execve(OKPATH, [OKPATH, MARKER]); exits 1 if both fail.
# Built at test time: as --32 -o exec32.o exec32.s && ld -m elf_i386 -o exec32 exec32.o
	.globl _start
	.text
_start:
	movl 8(%esp), %esi	# argv[1]
	movl 12(%esp), %edi	# argv[2]
	movl 16(%esp), %ebp	# argv[3]
	pushl $0
	pushl %ebp
	pushl %esi
	movl %esp, %ecx
	movl %esi, %ebx
	xorl %edx, %edx
	movl $11, %eax		# ia32 execve
	int $0x80
	pushl $0
	pushl %ebp
	pushl %edi
	movl %esp, %ecx
	movl %edi, %ebx
	xorl %edx, %edx
	movl $11, %eax
	int $0x80
	movl $1, %eax		# exit(1)
	movl $1, %ebx
	int $0x80
