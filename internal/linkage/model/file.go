package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// FormatVersion is the version of the model file format written by Save.
const FormatVersion = 1

// Model is a trained model as saved to disk: the settings it was trained
// with (enough to retrain), its parameters and, optionally, the term
// frequency tables of its tf_adjustment_columns.
type Model struct {
	Version  int               `json:"version"`
	Settings settings.Settings `json:"settings"`
	Params   Params            `json:"parameters"`
	// TFTables maps a column to the frequency of each of its values.
	TFTables map[string]map[string]float64 `json:"tf_tables,omitempty"`
}

// Encode renders the model as indented JSON.
func (m *Model) Encode() ([]byte, error) {
	m.Version = FormatVersion
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode linkage model: %w", err)
	}
	return append(data, '\n'), nil
}

// Save writes the model as JSON to path; the file appears complete or not
// at all.
func (m *Model) Save(path string) error {
	data, err := m.Encode()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("save linkage model %s: %w", path, err)
	}
	return nil
}

// Decode parses a model written by Encode, validates its settings and
// checks that its parameters fit them.
func Decode(data []byte) (*Model, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Model
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode linkage model: %w", err)
	}
	if m.Version != FormatVersion {
		return nil, fmt.Errorf("linkage model format version %d is not supported (want %d)", m.Version, FormatVersion)
	}
	if err := m.Settings.Validate(); err != nil {
		return nil, fmt.Errorf("linkage model settings: %w", err)
	}
	if err := m.Params.Check(&m.Settings); err != nil {
		return nil, fmt.Errorf("linkage model parameters: %w", err)
	}
	return &m, nil
}

// Load reads a model file written by Save.
func Load(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load linkage model: %w", err)
	}
	m, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
