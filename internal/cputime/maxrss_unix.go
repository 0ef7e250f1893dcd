//go:build unix && !darwin

package cputime

// maxrssUnit is the unit of Rusage.Maxrss: kilobytes outside Darwin.
const maxrssUnit = 1024
