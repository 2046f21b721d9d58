package recordings

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// maxMetadataBytes bounds how much of a metadata.xml is read: real ones are a
// few kilobytes, and a hostile one must not exhaust memory.
const maxMetadataBytes = 4 << 20

// metadataXML is the part of a BBB metadata.xml the importer reads
// (spec/bbb-api.md §4.2). Numbers are kept as text so that an empty element
// means zero instead of failing the whole file.
type metadataXML struct {
	ID           string       `xml:"id"`
	State        string       `xml:"state"`
	Published    *string      `xml:"published"`
	StartTime    string       `xml:"start_time"`
	EndTime      string       `xml:"end_time"`
	Participants string       `xml:"participants"`
	Meeting      *meetingXML  `xml:"meeting"`
	Meta         bbb.Metadata `xml:"meta"`
	Playback     playbackXML  `xml:"playback"`
}

type meetingXML struct {
	ExternalID string `xml:"externalId,attr"`
	Name       string `xml:"name,attr"`
}

type playbackXML struct {
	Format         string     `xml:"format"`
	Link           string     `xml:"link"`
	ProcessingTime string     `xml:"processing_time"`
	Duration       string     `xml:"duration"`
	Images         []imageXML `xml:"extensions>preview>images>image"`
}

type imageXML struct {
	Width  string `xml:"width,attr"`
	Height string `xml:"height,attr"`
	Alt    string `xml:"alt,attr"`
	URL    string `xml:",chardata"`
}

// metaNotKept are the meta children that become recording fields instead of
// metadata (spec/scalelite.md §7.3).
var metaNotKept = map[string]bool{"isBreakout": true, "meetingId": true, "meetingName": true}

// ParseMetadataXML reads one format's metadata.xml into a recording holding
// that single playback format, mapped as Scalelite does (spec/scalelite.md
// §7.3): state available becomes published; times are epoch milliseconds;
// the meta children other than isBreakout, meetingId and meetingName become
// metadata; the playback link and preview images keep only their path (and
// the link its query); the duration in milliseconds becomes whole minutes.
// Where Scalelite and BBB leave a field out, bbb-web's defaults apply: a
// missing <published> means true, a missing meta meetingId or meetingName
// falls back to the <meeting> element. The state follows Published when the
// file has none.
func ParseMetadataXML(r io.Reader) (store.Recording, error) {
	var doc metadataXML
	dec := xml.NewDecoder(io.LimitReader(r, maxMetadataBytes))
	if err := dec.Decode(&doc); err != nil {
		return store.Recording{}, fmt.Errorf("parse metadata.xml: %w", err)
	}
	var errs []error
	number := func(field, text string) int64 {
		text = strings.TrimSpace(text)
		if text == "" {
			return 0
		}
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s: not a count: %q", field, text))
			return 0
		}
		return n
	}

	rec := store.Recording{
		RecordID:  strings.TrimSpace(doc.ID),
		Published: true,
		Metadata:  map[string]string{},
	}
	if rec.RecordID == "" {
		errs = append(errs, errors.New("no recording id"))
	}
	if doc.Published != nil {
		rec.Published = strings.TrimSpace(*doc.Published) == "true"
	}
	switch state := strings.TrimSpace(doc.State); state {
	case "available":
		// video and screenshare write "available" once they are done.
		rec.State = "published"
	case "":
		rec.State = publishState(rec.Published)
	default:
		rec.State = state
	}
	rec.Participants = int(number("participants", doc.Participants))
	rec.StartTime = epochMillis(number("start_time", doc.StartTime))
	rec.EndTime = epochMillis(number("end_time", doc.EndTime))

	for _, e := range doc.Meta {
		switch e.Key {
		case "meetingId":
			rec.MeetingID = e.Value
		case "meetingName":
			rec.Name = e.Value
		}
		if !metaNotKept[e.Key] {
			rec.Metadata[e.Key] = e.Value
		}
	}
	if doc.Meeting != nil {
		if rec.MeetingID == "" {
			rec.MeetingID = doc.Meeting.ExternalID
		}
		if rec.Name == "" {
			rec.Name = doc.Meeting.Name
		}
	}

	pb := doc.Playback
	format := store.PlaybackFormat{
		Format:         strings.TrimSpace(pb.Format),
		ProcessingTime: int(number("processing_time", pb.ProcessingTime)),
		Length:         int((number("duration", pb.Duration) + 30_000) / 60_000),
	}
	if format.Format == "" {
		errs = append(errs, errors.New("no playback format"))
	}
	if link := strings.TrimSpace(pb.Link); link != "" {
		u, err := url.Parse(link)
		if err != nil {
			errs = append(errs, fmt.Errorf("playback link: %w", err))
		} else {
			format.URL = u.RequestURI()
		}
	}
	for i, img := range pb.Images {
		u, err := url.Parse(strings.TrimSpace(img.URL))
		if err != nil {
			errs = append(errs, fmt.Errorf("preview image %d: %w", i+1, err))
			continue
		}
		format.Previews = append(format.Previews, store.Preview{
			URL:    u.Path,
			Width:  int(number("preview image width", img.Width)),
			Height: int(number("preview image height", img.Height)),
			Alt:    img.Alt,
		})
	}
	rec.Formats = []store.PlaybackFormat{format}
	if err := errors.Join(errs...); err != nil {
		return store.Recording{}, fmt.Errorf("metadata.xml: %w", err)
	}
	return rec, nil
}

func epochMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func publishState(published bool) string {
	if published {
		return "published"
	}
	return "unpublished"
}
