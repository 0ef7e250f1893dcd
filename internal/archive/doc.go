// Package archive creates and extracts the zip archives that hold a pipeline's
// inputs for one logical date and version.
//
// Extraction treats every archive as hostile: member names are checked before
// anything is written (no absolute paths, no "..", no backslashes, no
// duplicates, no symlinks or special files), the whole tree is written through
// an [os.Root] inside a fresh temporary directory that is renamed into place
// only when everything checked out, and the size and compression-ratio limits
// are enforced on the bytes actually decompressed, not on what the headers
// claim. A SHA256SUMS member, when present, must match every file it lists.
package archive
