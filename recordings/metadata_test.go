package recordings

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// The presentation sample of spec/bbb-api.md §4.2, with a query on the link.
const presentationXML = `<?xml version="1.0" encoding="UTF-8"?>
<recording>
  <id>183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1647181479536</id>
  <state>published</state>
  <published>true</published>
  <start_time>1647181479536</start_time>
  <end_time>1647181557090</end_time>
  <participants>3</participants>
  <meeting id="183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1647181479536" externalId="Demo Meeting" name="Demo Meeting" breakout="false"/>
  <meta>
    <isBreakout>false</isBreakout>
    <meetingId>Demo Meeting</meetingId>
    <meetingName>Demo Meeting</meetingName>
    <bbb-origin>greenlight</bbb-origin>
    <tenant-id>t1</tenant-id>
  </meta>
  <breakout parentMeetingId="bbb-none" sequence="0" meetingId="183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1647181479536"/>
  <playback>
    <format>presentation</format>
    <link>
      https://bbb1.example.com/playback/presentation/2.3/183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1647181479536?t=1
    </link>
    <processing_time>4882</processing_time>
    <duration>92860</duration>
    <extensions>
      <preview>
        <images>
          <image width="176" height="136" alt="Welcome to" duration="12">https://bbb1.example.com/presentation/183f/presentation/p1/thumbnails/thumb-1.png?v=2</image>
          <image width="176" height="136" alt="">https://bbb1.example.com/presentation/183f/presentation/p1/thumbnails/thumb-2.png</image>
        </images>
      </preview>
    </extensions>
    <size>248378</size>
  </playback>
  <raw_size>871354</raw_size>
</recording>`

// The video workflow's file: state available, meta after playback.
const videoXML = `<recording>
  <id>rec-2</id><state>available</state><published>true</published>
  <start_time>1647181479536</start_time><end_time>1647181557090</end_time><participants>2</participants>
  <playback><format>video</format><link>https://bbb1.example.com/playback/video/rec-2/</link><duration>29999</duration></playback>
  <meta><meetingId>room</meetingId><meetingName>Room</meetingName><gl-listed>false</gl-listed></meta>
</recording>`

func TestParseMetadataXML(t *testing.T) {
	start := time.UnixMilli(1647181479536).UTC()
	end := time.UnixMilli(1647181557090).UTC()
	tests := []struct {
		name string
		xml  string
		want store.Recording
		err  string
	}{
		{name: "presentation", xml: presentationXML, want: store.Recording{
			RecordID: "183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1647181479536", MeetingID: "Demo Meeting", Name: "Demo Meeting",
			Published: true, State: "published", Participants: 3, StartTime: start, EndTime: end,
			Metadata: map[string]string{"bbb-origin": "greenlight", "tenant-id": "t1"},
			Formats: []store.PlaybackFormat{{
				Format: "presentation", URL: "/playback/presentation/2.3/183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1647181479536?t=1",
				Length: 2, ProcessingTime: 4882,
				Previews: []store.Preview{
					{URL: "/presentation/183f/presentation/p1/thumbnails/thumb-1.png", Width: 176, Height: 136, Alt: "Welcome to"},
					{URL: "/presentation/183f/presentation/p1/thumbnails/thumb-2.png", Width: 176, Height: 136},
				},
			}},
		}},
		{name: "video available", xml: videoXML, want: store.Recording{
			RecordID: "rec-2", MeetingID: "room", Name: "Room", Published: true, State: "published", Participants: 2,
			StartTime: start, EndTime: end, Metadata: map[string]string{"gl-listed": "false"},
			Formats: []store.PlaybackFormat{{Format: "video", URL: "/playback/video/rec-2/", Length: 0}},
		}},
		{name: "unpublished, meeting element fallback, no times", xml: `<recording><id>r3</id><state>unpublished</state><published>false</published>
			<meeting externalId="ext" name="Ext name"/><meta><isBreakout>true</isBreakout></meta>
			<playback><format>podcast</format><link>https://h/podcast/r3/audio.ogg</link><duration>30000</duration></playback></recording>`,
			want: store.Recording{RecordID: "r3", MeetingID: "ext", Name: "Ext name", State: "unpublished", Metadata: map[string]string{},
				Formats: []store.PlaybackFormat{{Format: "podcast", URL: "/podcast/r3/audio.ogg", Length: 1}}}},
		{name: "no published, no state", xml: `<recording><id>r4</id><playback><format>notes</format><duration>90000</duration></playback></recording>`,
			want: store.Recording{RecordID: "r4", Published: true, State: "published", Metadata: map[string]string{},
				Formats: []store.PlaybackFormat{{Format: "notes", Length: 2}}}},
		{name: "no id", xml: `<recording><playback><format>video</format></playback></recording>`, err: "no recording id"},
		{name: "no format", xml: `<recording><id>r5</id></recording>`, err: "no playback format"},
		{name: "bad number", xml: `<recording><id>r6</id><participants>many</participants><playback><format>video</format></playback></recording>`, err: "participants"},
		{name: "negative duration", xml: `<recording><id>r7</id><playback><format>video</format><duration>-5</duration></playback></recording>`, err: "duration"},
		{name: "bad link", xml: `<recording><id>r8</id><playback><format>video</format><link>http://[::1</link></playback></recording>`, err: "playback link"},
		{name: "not xml", xml: `{"id": "r9"}`, err: "parse metadata.xml"},
		{name: "truncated", xml: `<recording><id>r10</id><meta><a>`, err: "parse metadata.xml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMetadataXML(strings.NewReader(tc.xml))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func FuzzParseMetadataXML(f *testing.F) {
	f.Add(presentationXML)
	f.Add(videoXML)
	f.Add(`<recording><id>x</id><playback><format>f</format><duration>1</duration></playback></recording>`)
	f.Fuzz(func(t *testing.T, doc string) {
		rec, err := ParseMetadataXML(strings.NewReader(doc))
		if err != nil {
			return
		}
		// What parses is usable by the importer: an id and one format.
		if rec.RecordID == "" || len(rec.Formats) != 1 || rec.Formats[0].Format == "" || rec.Metadata == nil {
			t.Fatalf("accepted %+v", rec)
		}
		if rec.Formats[0].Length < 0 || rec.Participants < 0 {
			t.Fatalf("negative figures %+v", rec)
		}
	})
}
