# @summary Install (`present`) or remove everything the module added (`absent`).
type Syscall_audit::Ensure = Enum['present', 'absent']
