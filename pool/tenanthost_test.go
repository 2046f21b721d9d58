package pool

import (
	"strings"
	"testing"
)

func TestTenantNameFromHost(t *testing.T) {
	tests := []struct {
		host, base string
		wantName   string
		wantOK     bool
	}{
		{"room1.bbb.example.com", "bbb.example.com", "room1", true},
		{"room1.bbb.example.com:443", "bbb.example.com", "room1", true},
		{"room1.bbb.example.com.", "bbb.example.com", "room1", true},
		{"room1.bbb.example.com.:8443", "bbb.example.com", "room1", true},
		{"Room1.BBB.Example.COM", "bbb.example.com", "room1", true},
		{"room1.bbb.example.com", "BBB.example.com.", "room1", true},
		{"a-b.example.org", "example.org", "a-b", true},
		{"x.localhost", "localhost", "x", true},
		{strings.Repeat("a", 63) + ".example.org", "example.org", strings.Repeat("a", 63), true},

		{"bbb.example.com", "bbb.example.com", "", false},         // the base domain itself
		{"bbb.example.com:443", "bbb.example.com", "", false},     // with a port
		{"a.room1.bbb.example.com", "bbb.example.com", "", false}, // two labels in front
		{"room1bbb.example.com", "bbb.example.com", "", false},    // no dot before the base
		{"room1.example.com", "bbb.example.com", "", false},       // a sibling domain
		{"example.com", "bbb.example.com", "", false},
		{"room1.bbb.example.com.evil.net", "bbb.example.com", "", false},
		{".bbb.example.com", "bbb.example.com", "", false}, // empty label
		{"-x.bbb.example.com", "bbb.example.com", "", false},
		{"x-.bbb.example.com", "bbb.example.com", "", false},
		{"x_y.bbb.example.com", "bbb.example.com", "", false},
		{"x*.bbb.example.com", "bbb.example.com", "", false},
		{strings.Repeat("a", 64) + ".example.org", "example.org", "", false},
		{"room1.bbb.example.com", "", "", false}, // multitenancy off
		{"", "bbb.example.com", "", false},
		{"[::1]:443", "bbb.example.com", "", false},
	}
	for _, tt := range tests {
		name, ok := TenantNameFromHost(tt.host, tt.base)
		if name != tt.wantName || ok != tt.wantOK {
			t.Errorf("TenantNameFromHost(%q, %q) = %q, %v; want %q, %v", tt.host, tt.base, name, ok, tt.wantName, tt.wantOK)
		}
	}
}
