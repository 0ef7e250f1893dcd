package refine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/linkage/matchrules"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/quality"
	"github.com/hotpass/hotpass/internal/suggest"
	"github.com/hotpass/hotpass/internal/table/csvio"
	"github.com/hotpass/hotpass/internal/table/locale"
)

// Profile describes one industry's sources and rules: which files and
// sheets to read, how their columns map onto SSOT fields, how values are
// normalised, how records are merged and scored, and what the result is
// expected to satisfy. Profiles are written in YAML (see package profiles
// and schemas/profile.schema.json).
type Profile struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Fields are the default synonyms of each field, used by sheets that
	// list no columns of their own and by tables handed in from upstream
	// tasks.
	Fields map[string][]string `yaml:"fields"`
	// Required fields must be matched in every sheet that uses Fields.
	Required []string `yaml:"required"`
	// Constants fill fields that no source gives (e.g. country).
	Constants     map[string]string `yaml:"constants"`
	Sources       []Source          `yaml:"sources"`
	Normalisation Normalisation     `yaml:"normalisation"`
	Aggregation   Aggregation       `yaml:"aggregation"`
	Scoring       Scoring           `yaml:"scoring"`
	Quality       Quality           `yaml:"quality"`
	Enrichment    Enrichment        `yaml:"enrichment"`
	Markers       Markers           `yaml:"markers"`
	// Linkage holds the probabilistic linkage settings of entity
	// resolution over the organisation records (see LinkageTable for the
	// columns they compare); nil when the profile has none.
	Linkage *settings.Settings `yaml:"linkage"`
	// Read says how every source's files are written (encoding, delimiter,
	// number and date conventions); a source's own Read overrides it
	// option by option.
	Read ReadOptions `yaml:"read"`
	// Compliance is the POPIA policy the compliance task enforces; nil
	// when the profile has none.
	Compliance *policy.Policy `yaml:"compliance"`

	// Path is the file the profile was loaded from, or "builtin:<name>".
	Path string `yaml:"-"`
}

// Source is one kind of input file.
type Source struct {
	// Name identifies the dataset in source_datasets and provenance.
	Name string `yaml:"name"`
	// Files are glob patterns relative to the input directory; every
	// matching file is read.
	Files []string `yaml:"files"`
	// Priority ranks sources for survivorship: higher wins.
	Priority int `yaml:"priority"`
	// Constants fill fields for every row of the source (e.g.
	// organization_category: Flight School).
	Constants map[string]string `yaml:"constants"`
	Sheets    []Sheet           `yaml:"sheets"`
	// Read overrides the profile's Read for this source's files.
	Read ReadOptions `yaml:"read"`
}

// ReadOptions say how CSV and XLSX files are written, with the names and
// meanings of the datasource options of the same names. Empty options are
// detected: the encoding from a byte-order mark or the bytes, the
// delimiter by sniffing; numbers and dates written as text are read as
// they are unless a locale, separator, order or format is given.
type ReadOptions struct {
	// Encoding of CSV files (auto, utf-8, utf-8-sig, utf-16, utf-16le,
	// utf-16be, windows-1252, latin-1 or an alias of one).
	Encoding string `yaml:"encoding"`
	// Delimiter of CSV files: one character, "\t" for a tab.
	Delimiter string `yaml:"delimiter"`
	// Locale sets Decimal, Thousands and DayFirst as the locale writes
	// them (en-ZA); the options given alongside win.
	Locale    string `yaml:"locale"`
	Decimal   string `yaml:"decimal"`
	Thousands string `yaml:"thousands"`
	// DayFirst is the order of numeric dates such as 03/04/2024.
	DayFirst *bool `yaml:"day_first"`
	// DateFormat is the layout of dates, for every column or per column:
	// a Go layout or strftime.
	DateFormat locale.DateFormat `yaml:"date_format"`
}

// Over returns o with the options it leaves unset taken from base.
func (o ReadOptions) Over(base ReadOptions) ReadOptions {
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	o.Encoding = pick(o.Encoding, base.Encoding)
	o.Delimiter = pick(o.Delimiter, base.Delimiter)
	o.Locale = pick(o.Locale, base.Locale)
	o.Decimal = pick(o.Decimal, base.Decimal)
	o.Thousands = pick(o.Thousands, base.Thousands)
	if o.DayFirst == nil {
		o.DayFirst = base.DayFirst
	}
	if o.DateFormat.IsZero() {
		o.DateFormat = base.DateFormat
	}
	return o
}

// readSpec is a source's read options checked and ready for the readers.
type readSpec struct {
	encoding  string
	delimiter rune
	locale    locale.Options
	// declared says the read options give number or date conventions of
	// their own, rather than only the profile's date order.
	declared bool
}

// spec checks o: each problem names the option and what to write.
func (o ReadOptions) spec() (readSpec, []Problem) {
	var s readSpec
	var out []Problem
	if o.Encoding != "" {
		enc, err := csvio.NormalizeEncoding(o.Encoding)
		if err != nil {
			out = append(out, Problem{Path: []any{"encoding"}, Message: err.Error()})
		}
		s.encoding = enc
	}
	if o.Delimiter != "" {
		d, err := csvio.ParseDelimiter(o.Delimiter)
		if err != nil {
			out = append(out, Problem{Path: []any{"delimiter"}, Message: err.Error()})
		}
		s.delimiter = d
	}
	loc, err := locale.Declared(o.Locale, o.Decimal, o.Thousands, o.DayFirst, o.DateFormat)
	if err != nil {
		// Name the option at fault; a clash of separators is put on
		// thousands, as the datasource options do.
		opt := "thousands"
		_, lerr := (locale.Options{}).WithLocale(o.Locale)
		switch {
		case lerr != nil:
			opt = "locale"
		case (locale.Options{DateFormat: o.DateFormat.All, DateFormats: o.DateFormat.Columns}).Check() != nil:
			opt = "date_format"
		case (locale.Options{Decimal: o.Decimal}).Check() != nil:
			opt = "decimal"
		}
		out = append(out, Problem{Path: []any{opt}, Message: err.Error()})
	}
	s.locale, s.declared = loc, !loc.IsZero()
	return s, out
}

// Sheet describes one sheet of a source file. A sheet without Join holds
// organisations, one per row; a sheet with Join adds its rows to the
// organisations read from the source's other sheets.
type Sheet struct {
	// Sheet is the sheet name; "*" means every sheet. Ignored for CSV and
	// Parquet files, which have one table.
	Sheet string `yaml:"sheet"`
	// Columns maps fields to the column names they may appear under; nil
	// means the profile's Fields.
	Columns map[string][]string `yaml:"columns"`
	// Required fields must be matched; a missing one is an error that
	// lists the columns found and the names tried.
	Required  []string          `yaml:"required"`
	Join      *Join             `yaml:"join"`
	Constants map[string]string `yaml:"constants"`
}

// Join says how a sheet's rows find their organisation.
type Join struct {
	// On is the field compared: source_record_id (ID, C_ID) or
	// organization_name.
	On string `yaml:"on"`
	// Match is "exact" (default: equal after trimming) or "name" (equal
	// organisation keys: case, punctuation and legal suffixes ignored).
	Match string `yaml:"match"`
	// NameThreshold is the Jaro-Winkler similarity at which a row that
	// matched nothing by its join field, by the name or alias written in
	// it, is attached to the organisation with the closest name; 0 means
	// DefaultJoinNameThreshold.
	NameThreshold float64 `yaml:"name_threshold"`
}

// Join match modes.
const (
	MatchExact = "exact"
	MatchName  = "name"
)

// Normalisation configures value cleaning.
type Normalisation struct {
	// DefaultCountry is the ISO 3166 region of phone numbers written
	// without a country code; default ZA.
	DefaultCountry string `yaml:"default_country"`
	// ProvinceAliases maps each canonical province to its other
	// spellings. Values of province (and of area, when they are
	// province spellings) are replaced by the canonical name.
	ProvinceAliases map[string][]string `yaml:"province_aliases"`
	// LegalSuffixes are legal-form endings ("Pty Ltd", "CC") ignored
	// when grouping by core_slug and when matching names.
	LegalSuffixes []string `yaml:"legal_suffixes"`
	// DateOrder reads ambiguous numeric dates: day_first (default) or
	// month_first.
	DateOrder string `yaml:"date_order"`
	// Placeholders are values read as empty in every column ("Unknown",
	// "N/A", "- -"): compared by their lowercased letters and digits, so
	// "n.a." matches "N/A". A value without letters or digits is always
	// empty. Nil means DefaultPlaceholders; an empty list keeps only the
	// punctuation rule.
	Placeholders []string `yaml:"placeholders"`
	// Aliases maps an organisation's name to the other names it goes by
	// ("Rotary Air Force SA": [RAFSA]). Joined rows that carry an alias
	// find the organisation, and records named by an alias group with it.
	Aliases map[string][]string `yaml:"aliases"`
	// PlaceNames are towns and regions that, after the first word of an
	// organisation's name, mark a branch ("Skyways Flight School
	// Bloemfontein"): entity resolution compares them as their own field
	// and never merges two branches.
	PlaceNames []string `yaml:"place_names"`
	// LinkHosts extend DefaultLinkHosts: sites whose pages are links about
	// an organisation (social media, directories), never its website.
	LinkHosts []string `yaml:"link_hosts"`
}

// Markers read the sources' own quality markers: status columns and the
// flags some sheets keep on an email.
type Markers struct {
	// Status maps each SSOT status to the values sources write for it. A
	// value matches when, case, spaces and punctuation ignored, it starts
	// with one of them ("None Existent – accident" matches "None
	// Existent"); the longest match wins. A value that matches none is
	// kept as written and warned with its row. Empty: statuses are kept
	// as written.
	Status map[string][]string `yaml:"status"`
	// Inactive are the SSOT statuses of organisations that no longer
	// trade: they are flagged inactive_organisation and their contacts
	// get no lead score.
	Inactive []string `yaml:"inactive"`
	// InvalidEmail are the contact_email_status values that mark the
	// row's email invalid: it is listed among the secondary emails, never primary, and flagged flagged_email.
	InvalidEmail []string `yaml:"invalid_email"`
}

// Aggregation configures how records merge into organisations.
type Aggregation struct {
	// GroupKey is slug (default: the whole name) or core_slug (the name
	// without legal suffixes).
	GroupKey string `yaml:"group_key"`
	// Survivorship orders the tie-breakers for each field's value; the
	// default and only complete order is [priority, completeness,
	// recency]; a subset may be given.
	Survivorship []string `yaml:"survivorship"`
}

// Group keys.
const (
	GroupSlug     = "slug"
	GroupCoreSlug = "core_slug"
)

// Survivorship rules.
const (
	RulePriority     = "priority"
	RuleCompleteness = "completeness"
	RuleRecency      = "recency"
)

// Scoring lists extend the built-in offline email rules.
type Scoring struct {
	FreeMailDomains   []string `yaml:"free_mail_domains"`
	DisposableDomains []string `yaml:"disposable_domains"`
	// RoleAccounts are local parts of shared mailboxes (info, bookings).
	RoleAccounts []string `yaml:"role_accounts"`
	// SeniorRoles are words in a position that mark a decision maker.
	SeniorRoles []string `yaml:"senior_roles"`
}

// Quality holds the expectations the SSOT should meet and the colour
// thresholds of data_quality_score.
type Quality struct {
	Thresholds   Thresholds            `yaml:"thresholds"`
	Expectations []quality.Expectation `yaml:"expectations"`
}

// Thresholds split data_quality_score into red (< Amber), amber
// (< Green) and green bands.
type Thresholds struct {
	Amber float64 `yaml:"amber"`
	Green float64 `yaml:"green"`
}

// Enrichment configures deterministic enrichment.
type Enrichment struct {
	// TypeKeywords infer organization_type from words in the name; the
	// first rule with a matching keyword wins.
	TypeKeywords []TypeRule `yaml:"type_keywords"`
}

// TypeRule maps name keywords to an organisation type.
type TypeRule struct {
	Type     string   `yaml:"type"`
	Keywords []string `yaml:"keywords"`
	// Categories are organization_category values that give this type
	// before any name keyword does: a source's category (AMO) says more
	// than a word in the name ("Airways").
	Categories []string `yaml:"categories"`
}

// Check reports what is wrong with the profile beyond its YAML shape: the
// problems a JSON Schema cannot see (unknown field names, a join on a field
// the sheet does not map, duplicate source names). Each problem is a path
// into the profile and a message; the loader turns paths into positions.
func (p *Profile) Check() []Problem {
	var out []Problem
	add := func(path []any, format string, args ...any) {
		// Copy: callers build paths with append on shared prefixes.
		out = append(out, Problem{Path: append([]any(nil), path...), Message: fmt.Sprintf(format, args...)})
	}
	checkFields := func(base []any, m map[string][]string) {
		for _, name := range sortedKeys(m) {
			if _, ok := ParseField(name); !ok {
				if s := suggest.Closest(name, FieldNames()); s != "" {
					add(append(base, name), "unknown field %q; did you mean %q?", name, s)
					continue
				}
				add(append(base, name), "unknown field %q; fields: %s", name, strings.Join(FieldNames(), ", "))
			}
		}
	}
	checkConstants := func(base []any, m map[string]string) {
		for _, name := range sortedKeys(m) {
			f, ok := ParseField(name)
			switch {
			case !ok:
				add(append(base, name), "unknown field %q; fields: %s", name, strings.Join(FieldNames(), ", "))
			case f.IsContact():
				add(append(base, name), "a constant cannot fill the contact field %q", name)
			}
		}
	}
	checkList := func(base []any, names []string) {
		for i, name := range names {
			if _, ok := ParseField(name); !ok {
				add(append(base, i), "unknown field %q; fields: %s", name, strings.Join(FieldNames(), ", "))
			}
		}
	}
	checkFields([]any{"fields"}, p.Fields)
	checkRead := func(base []any, o ReadOptions) {
		_, probs := o.spec()
		for _, pr := range probs {
			out = append(out, Problem{Path: append(append([]any{}, base...), pr.Path...), Message: pr.Message})
		}
	}
	checkRead([]any{"read"}, p.Read)
	checkList([]any{"required"}, p.Required)
	checkConstants([]any{"constants"}, p.Constants)
	names := map[string]int{}
	for si, s := range p.Sources {
		base := []any{"sources", si}
		if prev, dup := names[s.Name]; dup {
			add(append(base, "name"), "source name %q is already used by source %d", s.Name, prev+1)
		}
		names[s.Name] = si
		checkConstants(append(base, "constants"), s.Constants)
		checkRead(append(append([]any{}, base...), "read"), s.Read)
		primary := 0
		for hi, sh := range s.Sheets {
			sb := append(append([]any{}, base...), "sheets", hi)
			checkFields(append(sb, "columns"), sh.Columns)
			checkList(append(sb, "required"), sh.Required)
			checkConstants(append(sb, "constants"), sh.Constants)
			if sh.Join == nil {
				primary++
				continue
			}
			f, ok := ParseField(sh.Join.On)
			switch {
			case !ok:
				add(append(sb, "join", "on"), "unknown field %q", sh.Join.On)
			case f != FieldRecordID && f != FieldOrganizationName:
				add(append(sb, "join", "on"), "join on source_record_id or organization_name, not %q", sh.Join.On)
			case sh.Columns != nil && len(sh.Columns[sh.Join.On]) == 0:
				add(append(sb, "join", "on"), "the sheet joins on %q but its columns do not map it", sh.Join.On)
			}
			if t := sh.Join.NameThreshold; t < 0 || t > 1 {
				add(append(sb, "join", "name_threshold"), "name_threshold is %v; use a similarity between 0 and 1", t)
			}
			if sh.Join.Match != "" && sh.Join.Match != MatchExact && sh.Join.Match != MatchName {
				add(append(sb, "join", "match"), "match is %q; use exact or name", sh.Join.Match)
			}
		}
		if len(s.Sheets) > 0 && primary == 0 {
			add(append(base, "sheets"), "every sheet of source %q joins another; at least one sheet must list organisations (no join:)", s.Name)
		}
	}
	out = append(out, p.checkAliases()...)
	switch p.Aggregation.GroupKey {
	case "", GroupSlug, GroupCoreSlug:
	default:
		add([]any{"aggregation", "group_key"}, "group_key is %q; use slug or core_slug", p.Aggregation.GroupKey)
	}
	for i, r := range p.Aggregation.Survivorship {
		if r != RulePriority && r != RuleCompleteness && r != RuleRecency {
			add([]any{"aggregation", "survivorship", i}, "unknown rule %q; use priority, completeness, recency", r)
		}
	}
	switch p.Normalisation.DateOrder {
	case "", "day_first", "month_first":
	default:
		add([]any{"normalisation", "date_order"}, "date_order is %q; use day_first or month_first", p.Normalisation.DateOrder)
	}
	for i := range p.Quality.Expectations {
		for _, msg := range p.Quality.Expectations[i].Check() {
			add([]any{"quality", "expectations", i}, "%s", msg)
		}
	}
	if p.Linkage != nil {
		// Validate fills defaults: check a copy so that the profile keeps
		// what was written, and overrides can still move the thresholds.
		s := *p.Linkage
		// Rules are reported at the rule or condition concerned rather
		// than with the other settings at linkage:.
		comps := s.RuleComparisons()
		for _, pr := range matchrules.Check(s.Rules, comps) {
			add(append([]any{"linkage", "rules"}, pr.Path...), "%s", pr.Message)
		}
		matchrules.Leaves(s.Rules, comps, func(path []any, c *matchrules.Condition, col string) {
			if _, ok := LinkageSchema.Index(col); col != "" && !ok {
				add(append([]any{"linkage", "rules"}, path...), "rule condition reads column %q, which entity resolution does not provide; columns: %s",
					col, strings.Join(LinkageSchema.Names(), ", "))
			}
		})
		s.Rules = nil
		if err := s.Validate(); err != nil {
			add([]any{"linkage"}, "linkage settings: %v", err)
		}
		for _, c := range s.Comparisons {
			for _, col := range comparisonColumns(c) {
				if _, ok := LinkageSchema.Index(col); !ok {
					add([]any{"linkage"}, "comparison %q reads column %q, which entity resolution does not provide; columns: %s",
						c.DisplayName(), col, strings.Join(LinkageSchema.Names(), ", "))
				}
			}
		}
	}
	if t := p.Quality.Thresholds; t.Amber > t.Green && t.Green != 0 {
		add([]any{"quality", "thresholds", "amber"}, "amber (%v) must not exceed green (%v)", t.Amber, t.Green)
	}
	for _, pr := range p.Compliance.Check() {
		out = append(out, Problem{Path: append([]any{"compliance"}, pr.Path...), Message: pr.Message})
	}
	return out
}

// Problem is one semantic error in a profile: Path leads from the root
// through mapping keys (string) and list indexes (int).
type Problem struct {
	Path    []any
	Message string
}

func comparisonColumns(c settings.Comparison) []string {
	var out []string
	if c.Column != "" {
		out = append(out, c.Column)
	}
	for _, l := range c.Levels {
		if l.Column != "" {
			out = append(out, l.Column)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkAliases reports an alias table that names one organisation twice
// (two entries whose names compare equal) or gives one alias to two
// organisations: either would make the organisation an alias stands for
// depend on map order.
func (p *Profile) checkAliases() []Problem {
	var out []Problem
	key := func(s string) string {
		k := CoreSlug(Slug(s), suffixSlugs(p.Normalisation.LegalSuffixes))
		return strings.ReplaceAll(k, "-", "")
	}
	names := map[string]string{}
	owner := map[string]string{}
	for _, name := range sortedKeys(p.Normalisation.Aliases) {
		k := key(name)
		if prev, dup := names[k]; dup {
			out = append(out, Problem{Path: []any{"normalisation", "aliases", name},
				Message: fmt.Sprintf("%q and %q name the same organisation; list its aliases under one of them", prev, name)})
			continue
		}
		names[k] = name
		for i, a := range p.Normalisation.Aliases[name] {
			ak := key(a)
			if prev, dup := owner[ak]; dup && prev != name {
				out = append(out, Problem{Path: []any{"normalisation", "aliases", name, i},
					Message: fmt.Sprintf("alias %q is also listed under %q; an alias can stand for one organisation only", a, prev)})
				continue
			}
			owner[ak] = name
		}
	}
	for _, name := range sortedKeys(p.Normalisation.Aliases) {
		if other, ok := owner[key(name)]; ok && other != name {
			out = append(out, Problem{Path: []any{"normalisation", "aliases", name},
				Message: fmt.Sprintf("%q is listed as an alias of %q and has aliases of its own; merge the two entries", name, other)})
		}
	}
	return out
}

func suffixSlugs(suffixes []string) []string {
	var out []string
	for _, s := range suffixes {
		if sl := Slug(s); sl != "" {
			out = append(out, sl)
		}
	}
	return out
}
