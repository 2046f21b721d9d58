package bbb

import (
	"encoding/xml"
	"fmt"
	"io"
)

// Meeting is a meeting as getMeetingInfo and getMeetings describe it, with the
// children in the order BBB writes them.
type Meeting struct {
	MeetingName           string    `xml:"meetingName"`
	MeetingID             string    `xml:"meetingID"`
	InternalMeetingID     string    `xml:"internalMeetingID"`
	CreateTime            int64     `xml:"createTime"`
	CreateDate            string    `xml:"createDate"`
	VoiceBridge           string    `xml:"voiceBridge"`
	DialNumber            string    `xml:"dialNumber"`
	AttendeePW            string    `xml:"attendeePW"`
	ModeratorPW           string    `xml:"moderatorPW"`
	Running               bool      `xml:"running"`
	Duration              int       `xml:"duration"`
	HasUserJoined         bool      `xml:"hasUserJoined"`
	Recording             bool      `xml:"recording"`
	HasBeenForciblyEnded  bool      `xml:"hasBeenForciblyEnded"`
	StartTime             int64     `xml:"startTime"`
	EndTime               int64     `xml:"endTime"`
	ParticipantCount      int       `xml:"participantCount"`
	ListenerCount         int       `xml:"listenerCount"`
	VoiceParticipantCount int       `xml:"voiceParticipantCount"`
	VideoCount            int       `xml:"videoCount"`
	MaxUsers              int       `xml:"maxUsers"`
	ModeratorCount        int       `xml:"moderatorCount"`
	Attendees             Attendees `xml:"attendees"`
	Metadata              Metadata  `xml:"metadata"`
	IsBreakout            bool      `xml:"isBreakout"`
	// Breakout rooms only; BBB 2.6+ writes these flat after isBreakout.
	ParentMeetingID string `xml:"parentMeetingID,omitempty"`
	Sequence        int    `xml:"sequence,omitempty"`
	FreeJoin        *bool  `xml:"freeJoin,omitempty"`
	// Internal ids of a parent meeting's breakout rooms; left out when none.
	BreakoutRooms BreakoutRoomIDs `xml:"breakoutRooms,omitempty"`
}

// BreakoutRoomIDs is the <breakoutRooms> element, one <breakout> per room. A
// path tag ("breakoutRooms>breakout,omitempty") would still write an empty
// <breakoutRooms> for every meeting without rooms, which BBB never sends.
type BreakoutRoomIDs []string

type breakoutRoomsXML struct {
	IDs []string `xml:"breakout"`
}

// MarshalXML writes one <breakout> child per id.
func (b BreakoutRoomIDs) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(breakoutRoomsXML{IDs: b}, start)
}

// UnmarshalXML reads the <breakout> children.
func (b *BreakoutRoomIDs) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var v breakoutRoomsXML
	if err := d.DecodeElement(&v, &start); err != nil {
		return err
	}
	*b = v.IDs
	return nil
}

// Attendees is the <attendees> element, one <attendee> per user. BBB writes
// it even when nobody is in the meeting; a path tag ("attendees>attendee")
// would leave it out then.
type Attendees []Attendee

type attendeesXML struct {
	Attendee []Attendee `xml:"attendee"`
}

// MarshalXML writes the element and its attendees.
func (a Attendees) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(attendeesXML{Attendee: a}, start)
}

// UnmarshalXML reads the <attendee> children.
func (a *Attendees) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var v attendeesXML
	if err := d.DecodeElement(&v, &start); err != nil {
		return err
	}
	*a = v.Attendee
	return nil
}

// Attendee is one user in a meeting.
type Attendee struct {
	UserID          string    `xml:"userID"`
	FullName        string    `xml:"fullName"`
	Role            string    `xml:"role"` // MODERATOR or VIEWER
	IsPresenter     bool      `xml:"isPresenter"`
	IsListeningOnly bool      `xml:"isListeningOnly"`
	HasJoinedVoice  bool      `xml:"hasJoinedVoice"`
	HasVideo        bool      `xml:"hasVideo"`
	ClientType      string    `xml:"clientType"`
	CustomData      *Metadata `xml:"customdata,omitempty"`
}

// MetaEntry is one key/value of a metadata element.
type MetaEntry struct {
	Key   string
	Value string
}

// Metadata is an element whose children are free-form keys, such as
// <metadata><bbb-origin>greenlight</bbb-origin></metadata>. Order is kept.
type Metadata []MetaEntry

// Get returns the value of key and whether it is present.
func (m Metadata) Get(key string) (string, bool) {
	for _, e := range m {
		if e.Key == key {
			return e.Value, true
		}
	}
	return "", false
}

// Map returns the entries as a map; a repeated key keeps its last value.
func (m Metadata) Map() map[string]string {
	out := make(map[string]string, len(m))
	for _, e := range m {
		out[e.Key] = e.Value
	}
	return out
}

// MarshalXML writes one child element per entry.
func (m Metadata) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, kv := range m {
		if err := e.EncodeElement(kv.Value, xml.StartElement{Name: xml.Name{Local: kv.Key}}); err != nil {
			return fmt.Errorf("metadata %q: %w", kv.Key, err)
		}
	}
	return e.EncodeToken(start.End())
}

// UnmarshalXML reads every child element as a key with its text as the value.
func (m *Metadata) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	*m = Metadata{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var v string
			if err := d.DecodeElement(&v, &t); err != nil {
				return fmt.Errorf("metadata %q: %w", t.Name.Local, err)
			}
			*m = append(*m, MetaEntry{Key: t.Name.Local, Value: v})
		case xml.EndElement:
			return nil
		}
	}
}
