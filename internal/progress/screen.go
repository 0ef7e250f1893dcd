package progress

import (
	"io"
	"strings"
)

// screen shares a terminal between lines that scroll (events, log records)
// and, when live, a block of status lines redrawn in place below them. It
// is not safe for concurrent use: its owner serialises calls.
type screen struct {
	w     io.Writer
	live  bool
	block string // the status lines, each ending in "\n"
	drawn int    // lines of the block currently on the terminal
}

// println prints line above the block.
func (s *screen) println(line string) { s.printAbove(line, s.block) }

// printAbove prints line, then block as the new status lines.
func (s *screen) printAbove(line, block string) {
	s.clear()
	io.WriteString(s.w, line+"\n")
	s.block = block
	s.draw()
}

// write prints p, whole lines, above the block.
func (s *screen) write(p []byte) (int, error) {
	s.clear()
	defer s.draw()
	return s.w.Write(p)
}

// setBlock replaces the status lines and redraws them; lines is empty or
// ends in "\n". A screen that is not live never draws a block.
func (s *screen) setBlock(lines string) {
	s.clear()
	s.block = lines
	s.draw()
}

// clear erases the block: up over each of its lines, clearing it.
func (s *screen) clear() {
	if s.drawn == 0 {
		return
	}
	io.WriteString(s.w, strings.Repeat("\x1b[1A\x1b[2K", s.drawn)+"\r")
	s.drawn = 0
}

func (s *screen) draw() {
	if !s.live || s.block == "" {
		return
	}
	io.WriteString(s.w, s.block)
	s.drawn = strings.Count(s.block, "\n")
}

// keep leaves the block on the terminal as the last thing printed, and
// stops drawing it.
func (s *screen) keep() {
	s.drawn = 0
	s.block = ""
}
