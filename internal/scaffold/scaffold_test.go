package scaffold

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestFilesIncludeDotfiles(t *testing.T) {
	t.Parallel()
	var names []string
	for _, f := range Files() {
		if len(f.Data) == 0 {
			t.Errorf("%s is empty", f.Name)
		}
		names = append(names, f.Name)
	}
	want := []string{".gitignore", ".pre-commit-config.yaml", "data/contacts.csv", "pipeline.yaml"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("Files() = %q, want %q", names, want)
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()
	files := []File{{Name: "a.txt", Data: []byte("a\n")}, {Name: "sub/b.txt", Data: []byte("b\n")}}
	tests := []struct {
		name     string
		existing map[string]string // file -> content before Write
		force    bool
		wantErr  []string // names in the *ExistsError; nil for success
		want     map[string]string
	}{
		{name: "empty dir", want: map[string]string{"a.txt": "a\n", "sub/b.txt": "b\n"}},
		{
			name:     "one exists",
			existing: map[string]string{"sub/b.txt": "old\n"},
			wantErr:  []string{"sub/b.txt"},
			want:     map[string]string{"sub/b.txt": "old\n"},
		},
		{
			name:     "both exist",
			existing: map[string]string{"a.txt": "old\n", "sub/b.txt": "old\n"},
			wantErr:  []string{"a.txt", "sub/b.txt"},
			want:     map[string]string{"a.txt": "old\n", "sub/b.txt": "old\n"},
		},
		{
			name:     "force",
			existing: map[string]string{"a.txt": "old\n"},
			force:    true,
			want:     map[string]string{"a.txt": "a\n", "sub/b.txt": "b\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "proj")
			for name, content := range tt.existing {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := Write(dir, files, tt.force)
			var exists *ExistsError
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Write: %v", err)
			case tt.wantErr != nil && !errors.As(err, &exists):
				t.Fatalf("Write: %v, want an *ExistsError", err)
			case tt.wantErr != nil:
				if !reflect.DeepEqual(exists.Names, tt.wantErr) {
					t.Errorf("ExistsError names %q, want %q", exists.Names, tt.wantErr)
				}
				if !errors.Is(err, fs.ErrExist) {
					t.Error("ExistsError does not match fs.ErrExist")
				}
			}
			got := map[string]string{}
			_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(dir, p)
				got[filepath.ToSlash(rel)] = string(data)
				return nil
			})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("directory holds %q, want %q", got, tt.want)
			}
		})
	}
}
