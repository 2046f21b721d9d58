package schema

import (
	"io/fs"
	"testing"
	"testing/fstest"
)

func TestRead(t *testing.T) {
	file := func(body string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(body)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []string // names in order
		wantErr bool
	}{
		{"in version order", fstest.MapFS{"m/0002_b.sql": file("B"), "m/0001_a.sql": file("A")}, []string{"0001_a.sql", "0002_b.sql"}, false},
		{"gap", fstest.MapFS{"m/0001_a.sql": file("A"), "m/0003_c.sql": file("C")}, nil, true},
		{"repeat", fstest.MapFS{"m/0001_a.sql": file("A"), "m/0001_b.sql": file("B")}, nil, true},
		{"not .sql", fstest.MapFS{"m/0001_a.txt": file("A")}, nil, true},
		{"no number", fstest.MapFS{"m/init.sql": file("A")}, nil, true},
		{"zero", fstest.MapFS{"m/0000_a.sql": file("A")}, nil, true},
		{"empty folder", fstest.MapFS{"m": &fstest.MapFile{Mode: fs.ModeDir}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps, err := Read(tt.files, "m")
			if (err != nil) != tt.wantErr {
				t.Fatalf("Read = %v, %v; want error %v", steps, err, tt.wantErr)
			}
			if len(steps) != len(tt.want) {
				t.Fatalf("Read = %v; want %v", steps, tt.want)
			}
			for i, s := range steps {
				if s.Name != tt.want[i] || s.Version != i+1 {
					t.Errorf("step %d = %+v; want %s version %d", i, s, tt.want[i], i+1)
				}
			}
			if len(steps) > 0 && steps[0].SQL != "A" {
				t.Errorf("first step SQL %q; want A", steps[0].SQL)
			}
		})
	}
}
