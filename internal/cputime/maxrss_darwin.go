package cputime

// maxrssUnit is the unit of Rusage.Maxrss: bytes on Darwin.
const maxrssUnit = 1
