# A 64-bit static, non-PIE program that execs through the 32-bit gate:
# int80 MARKER: int $0x80 execve("/nonexistent/int80", ["/nonexistent/int80", MARKER])
# (fails), then int $0x80 execve("/bin/true", ["/bin/true", MARKER]). The
# argv lives in static data (below 4 GiB), as the 32-bit ABI needs.
# Built at test time: as --64 -o int80.o int80.s && ld -o int80 int80.o
	.globl _start
	.text
_start:
	movq 16(%rsp), %rsi	# argv[1]
	movl $buf, %edi
	movl $63, %ecx
1:	movb (%rsi), %al
	movb %al, (%rdi)
	testb %al, %al
	jz 2f
	incq %rsi
	incq %rdi
	decl %ecx
	jnz 1b
	movb $0, (%rdi)
2:	movl $11, %eax
	movl $failpath, %ebx
	movl $argv_fail, %ecx
	xorl %edx, %edx
	int $0x80
	movl $11, %eax
	movl $okpath, %ebx
	movl $argv_ok, %ecx
	xorl %edx, %edx
	int $0x80
	movl $60, %eax		# exit(1)
	movl $1, %edi
	syscall

	.data
failpath: .asciz "/nonexistent/int80"
okpath:	.asciz "/bin/true"
	.balign 4
argv_fail: .long failpath, buf, 0
argv_ok: .long okpath, buf, 0

	.bss
buf:	.skip 64
