package main

import (
	"os"
	"strings"
	"testing"
)

func TestParseStatus(t *testing.T) {
	const full = "Name:\tcaddy\nVmPeak:\t 900000 kB\nVmHWM:\t   80000 kB\nVmRSS:\t   61000 kB\n" +
		"RssAnon:\t   10000 kB\nRssFile:\t   51000 kB\nRssShmem:\t       0 kB\nThreads:\t12\n"
	tests := []struct {
		name    string
		text    string
		want    memory
		wantErr string
	}{
		{"all lines", full, memory{rss: 61000 << 10, hwm: 80000 << 10, anon: 10000 << 10, file: 51000 << 10}, ""},
		{"blank lines skipped", "\n" + full + "\n", memory{rss: 61000 << 10, hwm: 80000 << 10, anon: 10000 << 10, file: 51000 << 10}, ""},
		{"missing RssFile", strings.Replace(full, "RssFile:", "RssFoo:", 1), memory{}, "found 3 of the 4"},
		{"unit other than kB", strings.Replace(full, "61000 kB", "61000 MB", 1), memory{}, "unexpected line"},
		{"not a number", strings.Replace(full, "61000 kB", "6x000 kB", 1), memory{}, "invalid syntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatus(strings.NewReader(tt.text))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// The real /proc file of this process parses, and its figures agree with
// each other: the peak is at least the current RSS, which is anon + file
// (+ shmem, absent here).
func TestProcStatusSelf(t *testing.T) {
	m, err := procStatus(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.rss <= 0 || m.hwm < m.rss {
		t.Fatalf("rss %d, hwm %d: want 0 < rss ≤ hwm", m.rss, m.hwm)
	}
	if m.anon+m.file > m.rss || m.anon+m.file < m.rss/2 {
		t.Fatalf("anon %d + file %d does not add up to about rss %d", m.anon, m.file, m.rss)
	}
}
