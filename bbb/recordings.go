package bbb

import (
	"encoding/xml"
	"fmt"
)

// MessageNoRecordingsScalelite is Scalelite's (misspelt) message for an empty
// getRecordings answer, kept for clients that compare it.
const MessageNoRecordingsScalelite = "There are not recordings for the meetings"

// RecordingsResponse is the getRecordings document in Scalelite's shape
// (spec/scalelite.md §8.1), with BBB's <totalElements> as the last child when
// the call was paginated.
type RecordingsResponse struct {
	XMLName    xml.Name      `xml:"response"`
	ReturnCode string        `xml:"returncode"`
	Recordings RecordingList `xml:"recordings"`
	MessageKey string        `xml:"messageKey,omitempty"`
	Message    string        `xml:"message,omitempty"`
	// TotalElements counts the matches before offset and limit; nil when the
	// call was not paginated.
	TotalElements *int `xml:"totalElements,omitempty"`
}

// NewRecordingsResponse returns the getRecordings document for rs, with the
// noRecordings message when rs is empty. total is the number of matches
// before pagination, or nil when the call was not paginated.
func NewRecordingsResponse(rs []Recording, total *int) RecordingsResponse {
	r := RecordingsResponse{ReturnCode: ReturnSuccess, Recordings: RecordingList{Recordings: rs}, TotalElements: total}
	if len(rs) == 0 {
		r.MessageKey, r.Message = KeyNoRecordings, MessageNoRecordingsScalelite
	}
	return r
}

// RecordingList is the <recordings> element, written even when empty.
type RecordingList struct {
	Recordings []Recording `xml:"recording"`
}

// Recording is one <recording>, children in Scalelite's order.
type Recording struct {
	RecordID          string `xml:"recordID"`
	MeetingID         string `xml:"meetingID"`
	InternalMeetingID string `xml:"internalMeetingID"`
	Name              string `xml:"name"`
	Published         bool   `xml:"published"`
	// Protected is written only when protected recordings are enabled.
	Protected    *bool             `xml:"protected,omitempty"`
	State        string            `xml:"state,omitempty"`
	StartTime    int64             `xml:"startTime"` // epoch ms
	EndTime      int64             `xml:"endTime"`   // epoch ms
	Participants int               `xml:"participants"`
	Metadata     RecordingMetadata `xml:"metadata"`
	Playback     Playback          `xml:"playback"`
}

// Playback is the <playback> element, written even without formats.
type Playback struct {
	Formats []PlaybackFormat `xml:"format"`
}

// PlaybackFormat is one <format> of a recording's playback.
type PlaybackFormat struct {
	Type           string   `xml:"type"`
	URL            string   `xml:"url"`
	Length         int      `xml:"length"`         // minutes
	ProcessingTime int      `xml:"processingTime"` // ms
	Preview        *Preview `xml:"preview,omitempty"`
}

// Preview holds a format's thumbnails.
type Preview struct {
	Images []Image `xml:"images>image"`
}

// Image is one thumbnail; its text is the URL.
type Image struct {
	Alt    string `xml:"alt,attr"`
	Width  int    `xml:"width,attr"`
	Height int    `xml:"height,attr"`
	// Duration (seconds) exists only in the newest BBB publish script.
	Duration int    `xml:"duration,attr,omitempty"`
	URL      string `xml:",chardata"`
}

// RecordingMetadata is a recording's <metadata>. It reads like Metadata but
// writes an empty value as <key><![CDATA[]]></key>, as Scalelite does, so
// clients that treat an empty element as absent still see the key.
type RecordingMetadata Metadata

// MarshalXML writes one child per entry, empty values as an empty CDATA
// section.
func (m RecordingMetadata) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, kv := range m {
		el := xml.StartElement{Name: xml.Name{Local: kv.Key}}
		if kv.Value != "" {
			if err := e.EncodeElement(kv.Value, el); err != nil {
				return fmt.Errorf("metadata %q: %w", kv.Key, err)
			}
			continue
		}
		for _, tok := range []xml.Token{el, xml.Directive("[CDATA[]]"), el.End()} {
			if err := e.EncodeToken(tok); err != nil {
				return fmt.Errorf("metadata %q: %w", kv.Key, err)
			}
		}
	}
	return e.EncodeToken(start.End())
}

// UnmarshalXML reads every child element as a key with its text as value.
func (m *RecordingMetadata) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	return (*Metadata)(m).UnmarshalXML(d, start)
}

// Get returns the value of key and whether it is present.
func (m RecordingMetadata) Get(key string) (string, bool) { return Metadata(m).Get(key) }
