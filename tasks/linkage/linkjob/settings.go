package linkjob

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/linkage/splink"
	"github.com/hotpass/hotpass/internal/table"
)

// Overrides replace settings values chosen where the linkage runs (task
// options, command-line flags) rather than in the settings file. Nil
// fields keep the settings' values.
type Overrides struct {
	MatchThreshold  *float64
	ReviewThreshold *float64
	MaxComparisons  *int64
}

// DecodeSettings decodes YAML or JSON settings, rejecting unknown keys, and
// applies the overrides before validating, so that an overridden match
// threshold also moves a review threshold that was left to default to it.
func DecodeSettings(data []byte, ov Overrides) (settings.Settings, error) {
	s, err := DecodeRaw(data)
	if err != nil {
		return s, err
	}
	return ApplyOverrides(s, ov)
}

// DecodeRaw decodes settings, rejecting unknown keys, without filling
// defaults or validating them. A Splink 4 model file, told apart by its
// keys, is imported instead (and so validated): it runs as trained.
func DecodeRaw(data []byte) (settings.Settings, error) {
	if splink.IsModel(data) {
		return splink.Import(data)
	}
	var s settings.Settings
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return settings.Settings{}, fmt.Errorf("decode: %w", err)
	}
	return s, nil
}

// DecodeRawFile reads a settings file with DecodeRaw.
func DecodeRawFile(path string) (settings.Settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return settings.Settings{}, fmt.Errorf("linkage settings: %w", err)
	}
	s, err := DecodeRaw(data)
	if err != nil {
		return settings.Settings{}, fmt.Errorf("linkage settings %s: %w", path, err)
	}
	return s, nil
}

// EffectiveThresholds returns the match and review thresholds raw settings
// end up with once the overrides and defaults apply.
func EffectiveThresholds(raw settings.Settings, ov Overrides) (match, review float64) {
	match, review = raw.MatchThreshold, raw.ReviewThreshold
	if ov.MatchThreshold != nil {
		match = *ov.MatchThreshold
	}
	if ov.ReviewThreshold != nil {
		review = *ov.ReviewThreshold
	}
	if match == 0 {
		match = settings.DefaultMatchThreshold
	}
	if review == 0 {
		review = match
	}
	return match, review
}

// LoadSettings reads a settings file (see DecodeSettings).
func LoadSettings(path string, ov Overrides) (settings.Settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return settings.Settings{}, fmt.Errorf("linkage settings: %w", err)
	}
	s, err := DecodeSettings(data, ov)
	if err != nil {
		return settings.Settings{}, fmt.Errorf("linkage settings %s: %w", path, err)
	}
	return s, nil
}

// ApplyOverrides sets the overridden values on s and validates it.
func ApplyOverrides(s settings.Settings, ov Overrides) (settings.Settings, error) {
	if ov.MatchThreshold != nil {
		s.MatchThreshold = *ov.MatchThreshold
	}
	if ov.ReviewThreshold != nil {
		s.ReviewThreshold = *ov.ReviewThreshold
	}
	if ov.MaxComparisons != nil {
		s.MaxComparisons = *ov.MaxComparisons
	}
	if err := s.Validate(); err != nil {
		return settings.Settings{}, err
	}
	return s, nil
}

// CheckThresholds reports thresholds out of range or out of order, in the
// words of the option names a user wrote.
func CheckThresholds(match, review float64) error {
	switch {
	case match <= 0 || match > 1:
		return fmt.Errorf("match_threshold %g must be a probability in (0, 1]", match)
	case review <= 0 || review > 1:
		return fmt.Errorf("review_threshold %g must be a probability in (0, 1]", review)
	case review > match:
		return fmt.Errorf("review_threshold %g is above match_threshold %g: pairs between the two go to review, so review_threshold must not exceed match_threshold", review, match)
	}
	return nil
}

// ExactSettings returns settings that compare every column of t except
// idColumn (and the columns in skip) by exact equality, with one blocking
// rule per column. It is the explicit fallback when no settings file is
// given: it finds only records equal on some column and scores them by
// how many columns agree, with λ fixed rather than estimated.
func ExactSettings(t *table.Table, idColumn string, skip ...string) (settings.Settings, error) {
	s := settings.Settings{
		LinkType:                         settings.DedupeOnly,
		UniqueIDColumn:                   idColumn,
		ProbabilityTwoRandomRecordsMatch: 1e-3,
	}
	for _, name := range t.Schema().Names() {
		if name == idColumn || slices.Contains(skip, name) {
			continue
		}
		s.Comparisons = append(s.Comparisons, settings.Comparison{
			Column: name, Trim: true,
			Levels: []settings.Level{{Type: settings.Null}, {Type: settings.Exact}, {Type: settings.Else}},
		})
		s.BlockingRules = append(s.BlockingRules, name)
	}
	if len(s.Comparisons) == 0 {
		return settings.Settings{}, fmt.Errorf("linkage: the input has no column besides the id column %q to compare", idColumn)
	}
	s.Training.BlockingRules = append([]string(nil), s.BlockingRules...)
	s.Training.Seed = 1
	if err := s.Validate(); err != nil {
		return settings.Settings{}, err
	}
	return s, nil
}
