package balancer

// multiplier returns a server's load multiplier, 1 when unset: a server
// stored without one is an ordinary server, not a free one.
func multiplier(m float64) float64 {
	if m <= 0 {
		return 1
	}
	return m
}

// MeetingLoad is the load a new meeting adds to its server at once
// (DESIGN §6.6): the load the poller will count for it during the join
// buffer time, load_min_user_count users, times the server's multiplier. So a
// burst of creates between two polls spreads over the pool instead of piling
// onto the server that was least loaded at the last poll. At least one user
// is counted, so even load_min_user_count 0 spreads a burst.
func MeetingLoad(minUserCount int, loadMultiplier float64) float64 {
	return float64(max(minUserCount, 1)) * multiplier(loadMultiplier)
}

// JoinLoad is the load one join adds to its server until the next poll.
func JoinLoad(loadMultiplier float64) float64 {
	return multiplier(loadMultiplier)
}
