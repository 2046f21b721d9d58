package balancer

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
)

// reservedVoiceBridge is never handed out: BBB's FreeSWITCH dialplan uses
// 99999 for its echo test.
const reservedVoiceBridge = "99999"

// DefaultVoiceBridgeCandidates is how many candidates VoiceBridges derives:
// enough that a meeting almost never finds all of them held, few enough that
// the store checks them in one query.
const DefaultVoiceBridgeCandidates = 16

// VoiceBridges returns n distinct voice bridge candidates of length digits for
// a meeting, the first digit 1–9 and never 99999. They are derived from
// SHA-256 of the meeting ID, and of the tenant when there is one, so a
// recurring room gets the same dial-in number each time it is created, and
// two tenants' rooms of the same name do not compete for one number. When
// external is non-empty (use_external_voice_bridge and the request carried a
// voiceBridge) it comes first, unchecked, as Scalelite does.
func VoiceBridges(tenant, meetingID string, length, n int, external string) []string {
	out := make([]string, 0, n+1)
	want := max(n, 0)
	if external != "" {
		out = append(out, external)
		want++
	}
	if length <= 0 {
		return out
	}
	seed := meetingID
	if tenant != "" {
		// The separator keeps ("a", "bc") and ("ab", "c") apart.
		seed = tenant + "\x00" + meetingID
	}
	d := digitStream{seed: sha256.Sum256([]byte(seed))}
	// Each candidate is new with overwhelming probability; the bound only
	// guards the loop against a pathological length such as 1.
	for tries := 0; len(out) < want && tries < 100*want; tries++ {
		b := make([]byte, length)
		b[0] = '1' + d.next(9)
		for i := 1; i < length; i++ {
			b[i] = '0' + d.next(10)
		}
		c := string(b)
		if c == reservedVoiceBridge || slices.Contains(out, c) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// digitStream yields uniformly distributed digits from SHA-256 in counter
// mode over a seed: deterministic, and unbiased by rejection sampling.
type digitStream struct {
	seed    [32]byte
	counter uint64
	block   [32]byte
	pos     int
	filled  bool
}

// next returns a value in [0, n) for n <= 10.
func (d *digitStream) next(n byte) byte {
	// The largest multiple of n that fits a byte; bytes above it are
	// rejected so every value is equally likely.
	limit := 256 - 256%int(n)
	for {
		if !d.filled || d.pos == len(d.block) {
			var in [40]byte
			copy(in[:], d.seed[:])
			binary.BigEndian.PutUint64(in[32:], d.counter)
			d.block = sha256.Sum256(in[:])
			d.counter++
			d.pos, d.filled = 0, true
		}
		b := int(d.block[d.pos])
		d.pos++
		if b < limit {
			return byte(b % int(n))
		}
	}
}
