package bbb

import (
	"context"
	"sync"
)

// endParallelism is how many end calls EndMeetings sends to one server at once.
const endParallelism = 8

// EndMeetings sends end for each of meetingIDs to t, a few at a time, and
// calls failed (from several goroutines, never at once) for each that fails.
// It returns when every call is done or ctx is: the meetings not sent by then
// are reported with ctx's error.
func (c *Client) EndMeetings(ctx context.Context, t Target, meetingIDs []string, failed func(meetingID string, err error)) {
	if len(meetingIDs) == 0 {
		return
	}
	var mu sync.Mutex
	report := func(id string, err error) {
		mu.Lock()
		defer mu.Unlock()
		failed(id, err)
	}
	work := make(chan string)
	var wg sync.WaitGroup
	for range min(endParallelism, len(meetingIDs)) {
		wg.Go(func() {
			for id := range work {
				if _, err := c.End(ctx, t, id); err != nil {
					report(id, err)
				}
			}
		})
	}
	defer wg.Wait()
	defer close(work)
	for i, id := range meetingIDs {
		select {
		case work <- id:
		case <-ctx.Done():
			for _, left := range meetingIDs[i:] {
				report(left, ctx.Err())
			}
			return
		}
	}
}
