package bbb

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// The test vector of spec/bbb-api.md §1.1.
const (
	vectorSecret = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
	vectorQuery  = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
)

var vectors = map[Algorithm]string{
	SHA1:   "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17",
	SHA256: "da9185f7f333cfdfcd6eeac32dca3777510c4c436020d8b887ba5515bd1d189e",
	SHA384: "891ac633df39d0a1b4f8d597f3e190833216c4b29c4fb51ea3ca72757eeb958d6e7b49a845cf29f5c6019c7d29d029d1",
	SHA512: "de73ad61d11a5c801b68d4bd6ec5248546085cefb0b25c85f3c46249ea93a3a4b120f92c0a8a58d7512cb77821884951a3b01245f3435dbbef49fff3cc3988b4",
}

// refSum hashes s with a using the crypto packages directly, as a check on
// Checksum that does not go through it.
func refSum(a Algorithm, s string) string {
	var sum []byte
	switch a {
	case SHA1:
		h := sha1.Sum([]byte(s))
		sum = h[:]
	case SHA256:
		h := sha256.Sum256([]byte(s))
		sum = h[:]
	case SHA384:
		h := sha512.Sum384([]byte(s))
		sum = h[:]
	case SHA512:
		h := sha512.Sum512([]byte(s))
		sum = h[:]
	default:
		panic("refSum: unknown algorithm " + string(a))
	}
	return hex.EncodeToString(sum)
}

func TestChecksumVectors(t *testing.T) {
	for a, want := range vectors {
		t.Run(string(a), func(t *testing.T) {
			if got := Checksum(a, "create", vectorQuery, vectorSecret); got != want {
				t.Errorf("Checksum(%s) = %s, want %s", a, got, want)
			}
		})
	}
	// An empty query: only the call and the secret are hashed.
	if got, want := Checksum(SHA1, "getMeetings", "", vectorSecret), "2027baa7771026e9e93392f55031535d1444c41f"; got != want {
		t.Errorf("Checksum(getMeetings, empty query) = %s, want %s", got, want)
	}
}

func TestAlgorithmForLength(t *testing.T) {
	tests := []struct {
		n    int
		want Algorithm
		ok   bool
	}{
		{40, SHA1, true}, {64, SHA256, true}, {96, SHA384, true}, {128, SHA512, true},
		{0, "", false}, {32, "", false}, {39, "", false}, {41, "", false}, {256, "", false},
	}
	for _, tt := range tests {
		got, ok := AlgorithmForLength(tt.n)
		if got != tt.want || ok != tt.ok {
			t.Errorf("AlgorithmForLength(%d) = %q, %v; want %q, %v", tt.n, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseAlgorithm(t *testing.T) {
	tests := []struct {
		in      string
		want    Algorithm
		wantErr bool
	}{
		{"sha1", SHA1, false}, {"SHA256", SHA256, false}, {" sha384 ", SHA384, false}, {"Sha512", SHA512, false},
		{"md5", "", true}, {"", "", true}, {"sha-256", "", true},
	}
	for _, tt := range tests {
		got, err := ParseAlgorithm(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseAlgorithm(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestStripChecksum(t *testing.T) {
	tests := []struct {
		name, raw, sum, want string
	}{
		{"last", "a=1&b=2&checksum=abc", "abc", "a=1&b=2"},
		{"first", "checksum=abc&a=1&b=2", "abc", "a=1&b=2"},
		{"middle", "a=1&checksum=abc&b=2", "abc", "a=1&b=2"},
		{"only", "checksum=abc", "abc", ""},
		{"absent", "a=1&b=2", "abc", "a=1&b=2"},
		{"other value kept", "a=1&checksum=def", "abc", "a=1&checksum=def"},
		{"duplicate removes one", "a=1&checksum=abc&checksum=abc", "abc", "a=1&checksum=abc"},
		{"no decoding", "n=A%20B+C&checksum=abc", "abc", "n=A%20B+C"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripChecksum(tt.raw, tt.sum); got != tt.want {
				t.Errorf("StripChecksum(%q, %q) = %q, want %q", tt.raw, tt.sum, got, tt.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	const (
		secret = "s3cr3t"
		other  = "0ther"
		call   = "getMeetingInfo"
		query  = "meetingID=room1&password=mp"
	)
	// rawQuery is what is on the wire; signed is the part the client signed.
	sum := func(a Algorithm, call, signed, secret string) string { return refSum(a, call+signed+secret) }
	// A query in an unusual but legal encoding; BBB signs it byte for byte.
	const oddQuery = "name=A%20B+C!'()*~&meetingID=x%2fY%2F&welcome=%E2%9C%93"
	reencoded := func() string {
		v, err := url.ParseQuery(oddQuery)
		if err != nil {
			t.Fatal(err)
		}
		return v.Encode()
	}()
	if reencoded == oddQuery {
		t.Fatal("test setup: re-encoding must change the odd query")
	}
	md5sum := md5.Sum([]byte(call + query + secret))

	tests := []struct {
		name     string
		allowed  []Algorithm
		call     string
		rawQuery string
		checksum string
		secrets  []string
		want     int // index of the matching secret, -1 for a rejection
	}{
		{"sha1 vector", nil, "create", vectorQuery + "&checksum=" + vectors[SHA1], vectors[SHA1], []string{vectorSecret}, 0},
		{"sha256 vector", nil, "create", vectorQuery + "&checksum=" + vectors[SHA256], vectors[SHA256], []string{vectorSecret}, 0},
		{"sha384 vector", nil, "create", vectorQuery + "&checksum=" + vectors[SHA384], vectors[SHA384], []string{vectorSecret}, 0},
		{"sha512 vector", nil, "create", vectorQuery + "&checksum=" + vectors[SHA512], vectors[SHA512], []string{vectorSecret}, 0},
		{"empty query vector", nil, "getMeetings", "checksum=2027baa7771026e9e93392f55031535d1444c41f",
			"2027baa7771026e9e93392f55031535d1444c41f", []string{vectorSecret}, 0},
		{"upper-case hex", nil, "create", vectorQuery + "&checksum=" + strings.ToUpper(vectors[SHA256]),
			strings.ToUpper(vectors[SHA256]), []string{vectorSecret}, 0},
		{"checksum first", nil, call, "checksum=" + sum(SHA256, call, query, secret) + "&" + query,
			sum(SHA256, call, query, secret), []string{secret}, 0},
		{"checksum middle", nil, call, "meetingID=room1&checksum=" + sum(SHA256, call, query, secret) + "&password=mp",
			sum(SHA256, call, query, secret), []string{secret}, 0},
		{"checksum last", nil, call, query + "&checksum=" + sum(SHA512, call, query, secret),
			sum(SHA512, call, query, secret), []string{secret}, 0},
		{"raw bytes verified", nil, "create", oddQuery + "&checksum=" + sum(SHA1, "create", oddQuery, secret),
			sum(SHA1, "create", oddQuery, secret), []string{secret}, 0},
		{"re-encoded query rejected", nil, "create", reencoded + "&checksum=" + sum(SHA1, "create", oddQuery, secret),
			sum(SHA1, "create", oddQuery, secret), []string{secret}, -1},
		{"checksum in body, empty query", nil, call, "", sum(SHA1, call, "", secret), []string{secret}, 0},
		{"second secret", nil, call, query + "&checksum=" + sum(SHA256, call, query, other),
			sum(SHA256, call, query, other), []string{secret, other}, 1},
		{"allowed algorithm", []Algorithm{SHA256}, call, query + "&checksum=" + sum(SHA256, call, query, secret),
			sum(SHA256, call, query, secret), []string{secret}, 0},
		{"algorithm not allowed", []Algorithm{SHA256, SHA512}, call, query + "&checksum=" + sum(SHA1, call, query, secret),
			sum(SHA1, call, query, secret), []string{secret}, -1},
		{"sha384 not allowed", []Algorithm{SHA1, SHA256, SHA512}, call, query + "&checksum=" + sum(SHA384, call, query, secret),
			sum(SHA384, call, query, secret), []string{secret}, -1},
		{"40 x", nil, call, query + "&checksum=" + strings.Repeat("x", 40), strings.Repeat("x", 40), []string{secret}, -1},
		{"missing checksum", nil, call, query, "", []string{secret}, -1},
		{"md5 length", nil, call, query + "&checksum=" + hex.EncodeToString(md5sum[:]),
			hex.EncodeToString(md5sum[:]), []string{secret}, -1},
		{"empty secret list", nil, call, query + "&checksum=" + sum(SHA256, call, query, secret),
			sum(SHA256, call, query, secret), nil, -1},
		{"wrong secret", nil, call, query + "&checksum=" + sum(SHA256, call, query, other),
			sum(SHA256, call, query, other), []string{secret}, -1},
		{"signed for another call", nil, call, query + "&checksum=" + sum(SHA256, "end", query, secret),
			sum(SHA256, "end", query, secret), []string{secret}, -1},
		{"parameter added after signing", nil, call, query + "&role=MODERATOR&checksum=" + sum(SHA256, call, query, secret),
			sum(SHA256, call, query, secret), []string{secret}, -1},
		{"duplicated checksum parameter", nil, call,
			query + "&checksum=" + sum(SHA256, call, query, secret) + "&checksum=" + sum(SHA256, call, query, secret),
			sum(SHA256, call, query, secret), []string{secret}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Verifier{Allowed: tt.allowed}.Verify(tt.call, tt.rawQuery, tt.checksum, tt.secrets)
			if got != tt.want {
				t.Errorf("Verify = %d, %v; want %d", got, err, tt.want)
			}
			if (tt.want < 0) != errors.Is(err, ErrChecksum) {
				t.Errorf("Verify error = %v, want ErrChecksum: %v", err, tt.want < 0)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("create", vectorQuery, vectorSecret, uint8(0), uint16(3))
	f.Add("getMeetings", "", "s", uint8(1), uint16(0))
	f.Add("join", "fullName=A%20B&meetingID=x+y&checksum=", "secret", uint8(2), uint16(95))
	f.Add("hooks/create", "callbackURL=http%3A%2F%2Fx", "k", uint8(3), uint16(127))
	f.Fuzz(func(t *testing.T, call, query, secret string, alg uint8, pos uint16) {
		a := Algorithms[int(alg)%len(Algorithms)]
		sum := Checksum(a, call, query, secret)
		raw := "checksum=" + sum
		if query != "" {
			raw = query + "&" + raw
		}
		secrets := []string{secret}
		if i, err := (Verifier{}).Verify(call, raw, sum, secrets); err != nil || i != 0 {
			t.Fatalf("correct %s checksum rejected: %d, %v (call %q, query %q)", a, i, err, call, query)
		}
		upper := strings.ToUpper(sum)
		upperRaw := strings.TrimSuffix(raw, sum) + upper
		if i, err := (Verifier{}).Verify(call, upperRaw, upper, secrets); err != nil || i != 0 {
			t.Fatalf("correct upper-case %s checksum rejected: %d, %v", a, i, err)
		}

		// Change one hex digit to another digit (not merely its case).
		p := int(pos) % len(sum)
		mutated := []byte(sum)
		mutated[p] = "0123456789abcdef"[(strings.IndexByte("0123456789abcdef", sum[p])+1+int(alg)%15)%16]
		bad := string(mutated)
		badRaw := strings.Replace(raw, sum, bad, 1)
		if i, err := (Verifier{}).Verify(call, badRaw, bad, secrets); err == nil {
			t.Fatalf("mutated checksum %s accepted as secret %d (call %q, query %q)", bad, i, call, query)
		}
	})
}
