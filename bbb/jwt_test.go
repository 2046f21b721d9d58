package bbb

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestJWT(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	claims := map[string]any{"exp": now.Add(time.Hour).Unix(), "meeting_id": "m1"}
	good512, err := SignJWT(HS512, claims, "s2")
	if err != nil {
		t.Fatal(err)
	}
	good256, err := SignJWT(HS256, claims, "s2")
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := SignJWT(HS512, map[string]any{"exp": now.Add(-time.Second).Unix()}, "s2")
	future, _ := SignJWT(HS512, map[string]any{"nbf": now.Add(time.Minute).Unix()}, "s2")
	noExp, _ := SignJWT(HS512, map[string]any{"a": 1}, "s2")
	parts := strings.Split(good512, ".")
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`))
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"meeting_id":"other"}`)) + "." + parts[2]

	tests := []struct {
		name    string
		token   string
		alg     string
		secrets []string
		ok      bool
	}{
		{"HS512 with the second secret", good512, HS512, []string{"s1", "s2"}, true},
		{"HS256", good256, HS256, []string{"s2"}, true},
		{"no exp", noExp, HS512, []string{"s2"}, true},
		{"wrong secret", good512, HS512, []string{"s1"}, false},
		{"no secrets", good512, HS512, nil, false},
		{"HS256 token where HS512 is wanted", good256, HS512, []string{"s2"}, false},
		{"expired", expired, HS512, []string{"s2"}, false},
		{"not yet valid", future, HS512, []string{"s2"}, false},
		{"tampered claims", tampered, HS512, []string{"s2"}, false},
		{"alg none", noneHeader + "." + parts[1] + ".", HS512, []string{"s2"}, false},
		{"two parts", parts[0] + "." + parts[1], HS512, []string{"s2"}, false},
		{"garbage", "a.b.c", HS512, []string{"s2"}, false},
		{"empty", "", HS512, []string{"s2"}, false},
	}
	for _, tt := range tests {
		got, err := VerifyJWT(tt.token, tt.alg, tt.secrets, now)
		if tt.ok {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: got %v, %v; want ErrInvalidToken", tt.name, got, err)
		}
	}
	got, err := VerifyJWT(good512, HS512, []string{"s2"}, now)
	if err != nil || got["meeting_id"] != "m1" {
		t.Errorf("claims = %v, %v", got, err)
	}
	if _, err := SignJWT("RS256", claims, "s"); err == nil {
		t.Error("SignJWT accepted RS256")
	}
}
