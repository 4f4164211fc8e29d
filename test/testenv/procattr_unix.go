//go:build unix

package testenv

import "syscall"

// sysProcAttr puts a child in its own process group: the terminal's Ctrl-C then reaches only
// the parent, which stops the children itself, in order.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
