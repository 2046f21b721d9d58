package bbbsim

import "math/rand/v2"

const (
	digits            = "0123456789"
	lowerAlphanumeric = "abcdefghijklmnopqrstuvwxyz0123456789"
	alphanumeric      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// randomFrom returns n characters drawn from alphabet. Simulated passwords and
// tokens protect nothing, so math/rand is enough.
func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

// randomDigits is Apache's randomNumeric: it may start with 0.
func randomDigits(n int) string { return randomFrom(digits, n) }

func randomAlphanumeric(n int) string { return randomFrom(alphanumeric, n) }

func randomLowerAlphanumeric(n int) string { return randomFrom(lowerAlphanumeric, n) }
