package balancer

import (
	"fmt"
	"slices"
	"testing"
)

func TestVoiceBridges(t *testing.T) {
	for _, length := range []int{5, 7, 9} {
		got := VoiceBridges("", "room1", length, 16, "")
		if len(got) != 16 {
			t.Fatalf("length %d: %d candidates, want 16", length, len(got))
		}
		seen := map[string]bool{}
		for _, c := range got {
			if len(c) != length || c[0] < '1' || c[0] > '9' {
				t.Errorf("length %d: bad candidate %q", length, c)
			}
			for _, d := range c {
				if d < '0' || d > '9' {
					t.Errorf("non-digit in %q", c)
				}
			}
			if seen[c] {
				t.Errorf("duplicate %q", c)
			}
			seen[c] = true
		}
		if again := VoiceBridges("", "room1", length, 16, ""); !slices.Equal(got, again) {
			t.Errorf("length %d: not deterministic: %v then %v", length, got, again)
		}
	}
	a := VoiceBridges("", "room1", 9, 4, "")
	if b := VoiceBridges("", "room2", 9, 4, ""); slices.Equal(a, b) {
		t.Errorf("two rooms share candidates %v", a)
	}
	if b := VoiceBridges("tenant-a", "room1", 9, 4, ""); slices.Equal(a, b) {
		t.Errorf("a tenant's room1 shares candidates with the untenanted room1: %v", a)
	}
	if x, y := VoiceBridges("ab", "c", 9, 4, ""), VoiceBridges("a", "bc", 9, 4, ""); slices.Equal(x, y) {
		t.Errorf("tenant/meeting boundary ignored: %v", x)
	}
	ext := VoiceBridges("", "room1", 9, 4, "72000")
	if len(ext) != 5 || ext[0] != "72000" || !slices.Equal(ext[1:], a) {
		t.Errorf("with external: %v, want 72000 then %v", ext, a)
	}
}

func TestVoiceBridgesNever99999(t *testing.T) {
	// 160,000 five-digit draws from 90,000 values: 99999 would turn up
	// about twice if it were not skipped.
	for i := range 10000 {
		for _, c := range VoiceBridges("", fmt.Sprint("m", i), 5, 16, "") {
			if c == "99999" {
				t.Fatalf("meeting m%d got 99999", i)
			}
		}
	}
}
