package phonetic

// latinFold maps the letters of Latin-1 Supplement and Latin Extended-A
// (U+00C0 to U+017F) to the uppercase ASCII letters they are read as,
// so that "Müller" codes like "Muller" rather than losing a letter.
// Letters with a canonical or compatibility decomposition take the base
// letter; the rest (Æ, Ø, Ð, Þ, ß, Đ, Ħ, ı, Ł, Œ, Ŧ, ſ, Ŋ, ĸ) take their
// usual transliteration. × and ÷ map to nothing. TestLatinFoldTable checks
// the table against Unicode decomposition.
var latinFold = [0x180 - 0xC0]string{
	"A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I", // U+00C0
	"D", "N", "O", "O", "O", "O", "O", "", "O", "U", "U", "U", "U", "Y", "TH", "SS", // U+00D0
	"A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I", // U+00E0
	"D", "N", "O", "O", "O", "O", "O", "", "O", "U", "U", "U", "U", "Y", "TH", "Y", // U+00F0
	"A", "A", "A", "A", "A", "A", "C", "C", "C", "C", "C", "C", "C", "C", "D", "D", // U+0100
	"D", "D", "E", "E", "E", "E", "E", "E", "E", "E", "E", "E", "G", "G", "G", "G", // U+0110
	"G", "G", "G", "G", "H", "H", "H", "H", "I", "I", "I", "I", "I", "I", "I", "I", // U+0120
	"I", "I", "IJ", "IJ", "J", "J", "K", "K", "K", "L", "L", "L", "L", "L", "L", "L", // U+0130
	"L", "L", "L", "N", "N", "N", "N", "N", "N", "N", "N", "N", "O", "O", "O", "O", // U+0140
	"O", "O", "OE", "OE", "R", "R", "R", "R", "R", "R", "S", "S", "S", "S", "S", "S", // U+0150
	"S", "S", "T", "T", "T", "T", "T", "T", "U", "U", "U", "U", "U", "U", "U", "U", // U+0160
	"U", "U", "U", "U", "W", "W", "Y", "Y", "Y", "Z", "Z", "Z", "Z", "Z", "Z", "S", // U+0170
}

// foldRune returns the uppercase ASCII letters r is read as, or "" for a
// rune that is not a Latin letter. ASCII letters map to themselves.
func foldRune(r rune) string {
	switch {
	case r >= 'a' && r <= 'z':
		return asciiUpper[r-'a' : r-'a'+1]
	case r >= 'A' && r <= 'Z':
		return asciiUpper[r-'A' : r-'A'+1]
	case r >= 0xC0 && r < 0x180:
		return latinFold[r-0xC0]
	}
	return ""
}

const asciiUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
