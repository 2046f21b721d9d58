package admin

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

func (c *cli) statusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Prints the pool's status table",
		Long: `Prints one line per server, sorted by host name: HOSTNAME, STATE,
STATUS (online/offline), MEETINGS, USERS, LARGEST MEETING, VIDEOS, LOAD,
BBB VERSION and TAG, as Scalelite's 'rake status' does. A load the server
has not reported prints as 'unavailable', other missing values as '-'.`,
		Args: c.args(cobra.NoArgs),
		RunE: c.run(func(cl *call) error {
			body, err := cl.client.Do(cl.ctx, Request{Method: http.MethodGet, Path: "/bbb/status"})
			if err != nil {
				return err
			}
			if c.jsonOutput {
				return printJSON(cl.out, body)
			}
			var rows []StatusRow
			if err := decodeAnswer(body, "status", &rows); err != nil {
				return err
			}
			return statusTable(cl.out, rows)
		}),
	}
}

// statusTable prints the status rows sorted by host name.
func statusTable(w io.Writer, rows []StatusRow) error {
	lines := make([][]string, len(rows))
	for i, r := range rows {
		lines[i] = []string{
			r.hostname(), orNone(r.State), r.status(),
			formatCount(r.Meetings), formatCount(r.Users), formatCount(r.LargestMeeting), formatCount(r.Videos),
			formatLoad(r.Load), orNone(r.BBBVersion), orNone(r.Tag),
		}
	}
	slices.SortStableFunc(lines, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	header := []string{"HOSTNAME", "STATE", "STATUS", "MEETINGS", "USERS", "LARGEST MEETING", "VIDEOS", "LOAD", "BBB VERSION", "TAG"}
	return writeTable(w, header, lines)
}

// hostname is the row's host name: as the route gives it, else the host of
// its URL, else its id.
func (r StatusRow) hostname() string {
	if r.Hostname != "" {
		return r.Hostname
	}
	if u, err := url.Parse(r.URL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return orNone(r.ID)
}

// status is online or offline, from the route's status text or its flag.
func (r StatusRow) status() string {
	switch {
	case r.Status != "":
		return r.Status
	case r.Online != nil:
		return onlineStatus(*r.Online)
	default:
		return none
	}
}

func (c *cli) pollCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "poll",
		Short: "Polls every server now and prints a summary",
		Long: `Polls every server now, as the poller does each interval, and prints a
summary once the poll is done.`,
		Args: c.args(cobra.NoArgs),
		RunE: c.run(func(cl *call) error {
			body, err := cl.client.Do(cl.ctx, Request{Method: http.MethodPost, Path: "/bbb/poll"})
			if err != nil {
				return err
			}
			if c.jsonOutput {
				return printJSON(cl.out, body)
			}
			return printSummary(cl.out, body, "poll", "polled", "online", "offline",
				"went_online", "went_offline", "failed", "skipped", "disabled")
		}),
	}
}
