package blocking

import "github.com/hotpass/hotpass/internal/linkage/rule"

// KeyCodes returns every record's code under key k (−1 where the key is
// null) and the number of distinct codes. The key is derived once per
// distinct column value, so no per-record string is built.
func (cc *Columns) KeyCodes(k rule.Key) ([]int32, int, error) {
	col, err := cc.get(k.Column)
	if err != nil {
		return nil, 0, err
	}
	derived := make([]int32, len(col.dict))
	index := map[string]int32{}
	var buf []byte
	for d, v := range col.dict {
		var ok bool
		buf, ok = k.Append(buf[:0], v)
		if !ok {
			derived[d] = -1
			continue
		}
		code, seen := index[string(buf)]
		if !seen {
			code = int32(len(index))
			index[string(buf)] = code
		}
		derived[d] = code
	}
	codes := make([]int32, len(col.codes))
	for i, v := range col.codes {
		codes[i] = -1
		if v >= 0 {
			codes[i] = derived[v]
		}
	}
	return codes, len(index), nil
}
