package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads settings from a YAML or JSON file and validates them.
func Load(path string) (Settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, fmt.Errorf("linkage settings: %w", err)
	}
	s, err := Parse(data)
	if err != nil {
		return Settings{}, fmt.Errorf("linkage settings %s: %w", path, err)
	}
	return s, nil
}

// Parse decodes YAML or JSON settings, rejecting unknown keys (a typo such
// as "treshold" must not silently fall back to a default), and validates
// them.
func Parse(data []byte) (Settings, error) {
	var s Settings
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return Settings{}, fmt.Errorf("decode: %w", err)
	}
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// UnmarshalYAML reads a level, taking an unquoted `type: null` (a YAML null,
// which would otherwise leave the type empty) as the null level.
func (l *Level) UnmarshalYAML(node *yaml.Node) error {
	type plain Level
	if node.Kind == yaml.MappingNode {
		// node.Decode does not inherit the decoder's KnownFields, so check
		// the keys here: a misspelt threshold must not become 0.
		known := map[string]bool{}
		rt := reflect.TypeFor[Level]()
		for i := 0; i < rt.NumField(); i++ {
			known[strings.Split(rt.Field(i).Tag.Get("yaml"), ",")[0]] = true
		}
		for k := 0; k+1 < len(node.Content); k += 2 {
			key := node.Content[k]
			if !known[key.Value] {
				return fmt.Errorf("line %d: unknown level option %q", key.Line, key.Value)
			}
		}
	}
	if err := node.Decode((*plain)(l)); err != nil {
		return err
	}
	if node.Kind == yaml.MappingNode {
		for k := 0; k+1 < len(node.Content); k += 2 {
			if node.Content[k].Value == "type" && node.Content[k+1].Tag == "!!null" {
				l.Type = Null
			}
		}
	}
	return nil
}
