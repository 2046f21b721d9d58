package admin

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// none stands for a missing value in tables.
const none = "-"

// table writes rows under header as aligned columns, two spaces apart.
func writeTable(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(cells []string) {
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	line(header)
	for _, row := range rows {
		line(row)
	}
	return tw.Flush()
}

// orNone returns s, or "-" when it is empty.
func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}

// formatLoad prints a load rounded to two decimals; an offline server's
// load is "unavailable", as Scalelite prints it.
func formatLoad(load *float64) string {
	if load == nil {
		return "unavailable"
	}
	return formatNumber(*load)
}

// formatNumber prints v with at most two decimals and no trailing zeros.
func formatNumber(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// formatCount prints a count, or "-" when there is none.
func formatCount(n *int) string {
	if n == nil {
		return none
	}
	return strconv.Itoa(*n)
}

// printSummary prints a JSON object answer (a poll or import summary, a sync
// report) as "key: value" lines: the keys in first, in that order, then the
// others sorted. Lists print comma-separated, an empty one as "-".
func printSummary(w io.Writer, body []byte, what string, first ...string) error {
	var doc map[string]any
	if err := decodeAnswer(body, what, &doc); err != nil {
		return err
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		if !slices.Contains(first, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var ordered []string
	for _, k := range first {
		if _, ok := doc[k]; ok {
			ordered = append(ordered, k)
		}
	}
	ordered = append(ordered, keys...)

	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for _, k := range ordered {
		fmt.Fprintf(tw, "%s:\t%s\n", k, summaryValue(doc[k]))
	}
	return tw.Flush()
}

// summaryValue renders one value of a summary on one line.
func summaryValue(v any) string {
	switch v := v.(type) {
	case nil:
		return none
	case string:
		return orNone(v)
	case float64:
		return formatNumber(v)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		if len(v) == 0 {
			return none
		}
		parts := make([]string, len(v))
		for i, item := range v {
			parts[i] = summaryValue(item)
		}
		return strings.Join(parts, ", ")
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
}
