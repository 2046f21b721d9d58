package bbbsim

import (
	"archive/tar"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// Recording describes a finished recording as a BBB server publishes it, for
// WriteRecordingTar.
type Recording struct {
	// RecordID is the recording id (the meeting's internal id).
	RecordID string
	// MeetingID and Name are the external meeting id and name.
	MeetingID string
	Name      string
	// Meta holds the create's meta_ parameters, keys without the prefix.
	Meta         bbb.Metadata
	Participants int
	Start, End   time.Time
	// Formats to publish: presentation, video, screenshare, podcast or
	// notes. Empty means presentation and video.
	Formats []string
	// BaseURL is the scheme and host of the BBB server, used in playback
	// links and preview images; default https://bbb.example.com.
	BaseURL string
}

// DefaultRecordingFormats are the formats a recording is published in when
// none are named.
var DefaultRecordingFormats = []string{"presentation", "video"}

// WriteRecording writes the recording of a meeting the simulator holds, as
// the BBB post-publish script would send it: <recordID>.tar in dir, with
// every format in formats (default DefaultRecordingFormats). Call it before
// ending the meeting. It returns the record id, which is the meeting's
// internal id.
func (s *Sim) WriteRecording(meetingID, dir string, formats ...string) (string, error) {
	m, ok := s.Meeting(meetingID)
	if !ok {
		return "", fmt.Errorf("write recording of %q: %w", meetingID, ErrUnknownMeeting)
	}
	start := time.UnixMilli(m.StartTime)
	end := time.Now()
	if m.EndTime > m.StartTime {
		end = time.UnixMilli(m.EndTime)
	}
	base := "https://bbb.example.com"
	if addr := s.Addr(); addr != "" {
		base = "http://" + addr
	}
	rec := Recording{
		RecordID:     m.InternalMeetingID,
		MeetingID:    m.MeetingID,
		Name:         m.MeetingName,
		Meta:         m.Metadata,
		Participants: max(m.ParticipantCount, 1),
		Start:        start,
		End:          end,
		Formats:      formats,
		BaseURL:      base,
	}
	if _, err := WriteRecordingTar(dir, rec); err != nil {
		return "", err
	}
	return rec.RecordID, nil
}

// WriteRecordingTar writes rec as the uncompressed tar the BBB post-publish
// script makes (members <format>/<recordID>/…, each format with its
// metadata.xml and a few small playback files) into dir as <recordID>.tar.
// Like rsync, it writes a dot-file first and renames it into place, so a
// watcher never sees half a tar. It returns the tar's path.
func WriteRecordingTar(dir string, rec Recording) (string, error) {
	if rec.RecordID == "" || strings.ContainsAny(rec.RecordID, `/\`) || strings.HasPrefix(rec.RecordID, ".") {
		return "", fmt.Errorf("bbbsim: write recording: bad record id %q", rec.RecordID)
	}
	data, err := recordingTar(rec)
	if err != nil {
		return "", fmt.Errorf("bbbsim: write recording %s: %w", rec.RecordID, err)
	}
	final := filepath.Join(dir, rec.RecordID+".tar")
	tmp, err := os.CreateTemp(dir, "."+rec.RecordID+".tar.")
	if err != nil {
		return "", fmt.Errorf("bbbsim: write recording %s: %w", rec.RecordID, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("bbbsim: write recording %s: %w", rec.RecordID, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("bbbsim: write recording %s: %w", rec.RecordID, err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("bbbsim: write recording %s: %w", rec.RecordID, err)
	}
	return final, nil
}

// recordingTar builds the tar of rec in memory: simulated recordings are
// small.
func recordingTar(rec Recording) ([]byte, error) {
	formats := rec.Formats
	if len(formats) == 0 {
		formats = DefaultRecordingFormats
	}
	if rec.BaseURL == "" {
		rec.BaseURL = "https://bbb.example.com"
	}
	rec.BaseURL = strings.TrimSuffix(rec.BaseURL, "/")
	if rec.End.Before(rec.Start) {
		rec.End = rec.Start
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := rec.End.Truncate(time.Second)
	dirs := map[string]bool{}
	add := func(name string, content []byte) error {
		// GNU tar lists every folder before its files.
		for i := 0; i < len(name); i++ {
			if name[i] != '/' || dirs[name[:i]] {
				continue
			}
			dirs[name[:i]] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name[:i] + "/", Mode: 0o755, ModTime: mtime}); err != nil {
				return err
			}
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(content)), ModTime: mtime}); err != nil {
			return err
		}
		_, err := tw.Write(content)
		return err
	}
	for _, format := range slices.Compact(slices.Clone(formats)) {
		files, err := formatFiles(rec, format)
		if err != nil {
			return nil, err
		}
		prefix := format + "/" + rec.RecordID + "/"
		for _, f := range files {
			if err := add(prefix+f.name, f.content); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type recordingFile struct {
	name    string
	content []byte
}

// presentationID is the id of the simulated slide deck: sha1-like hex and a
// timestamp, as BBB names uploaded presentations.
func presentationID(rec Recording) string {
	return "d2d9a672040fbde2a47a10bf6c37b6a4b5ae187f-" + strconv.FormatInt(rec.Start.UnixMilli(), 10)
}

// formatFiles returns the files of one published format: its metadata.xml
// (spec/bbb-api.md §4.2) and a few small playback files (§4.3).
func formatFiles(rec Recording, format string) ([]recordingFile, error) {
	durationMS := rec.End.Sub(rec.Start).Milliseconds()
	meta := recordingMeta(rec)
	doc := metadataDoc{
		ID:           rec.RecordID,
		State:        "published",
		Published:    true,
		StartTime:    rec.Start.UnixMilli(),
		EndTime:      rec.End.UnixMilli(),
		Participants: rec.Participants,
		Playback:     &playbackDoc{Format: format, Duration: durationMS},
	}
	var files []recordingFile
	switch format {
	case "presentation":
		presID := presentationID(rec)
		doc.Meeting = &recordingMeetingDoc{ID: rec.RecordID, ExternalID: rec.MeetingID, Name: rec.Name, Breakout: "false"}
		doc.Meta = &meta
		doc.Breakout = &breakoutDoc{ParentMeetingID: noParentMeetingID, Sequence: 0, MeetingID: rec.RecordID}
		doc.Playback.Link = rec.BaseURL + "/playback/presentation/2.3/" + rec.RecordID
		doc.Playback.ProcessingTime = 4882
		var images []previewImage
		for i, alt := range []string{"Welcome to", "Agenda", "Questions"} {
			images = append(images, previewImage{
				Width: 176, Height: 136, Alt: alt, Duration: 12,
				URL: fmt.Sprintf("%s/presentation/%s/presentation/%s/thumbnails/thumb-%d.png", rec.BaseURL, rec.RecordID, presID, i+1),
			})
			files = append(files, recordingFile{
				name:    fmt.Sprintf("presentation/%s/thumbnails/thumb-%d.png", presID, i+1),
				content: tinyPNG,
			})
		}
		doc.Playback.Extensions = &extensionsDoc{Images: images}
		files = append(files,
			recordingFile{"shapes.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1200"><g class="canvas"/></svg>` + "\n")},
			recordingFile{"panzooms.xml", []byte(`<?xml version="1.0"?>` + "\n" + `<recording id="panzoom_events"><event timestamp="0.0"><viewBox>0.0 0.0 1600.0 1200.0</viewBox></event></recording>` + "\n")},
			recordingFile{"cursor.xml", []byte(`<?xml version="1.0"?>` + "\n" + `<recording id="cursor_events"/>` + "\n")},
			recordingFile{"video/webcams.webm", []byte("\x1aE\xdf\xa3 simulated webcams")},
		)
	case "video", "screenshare":
		// Written at process time: state available, no <meeting>, meta after
		// playback.
		doc.State = "available"
		doc.Playback.Link = rec.BaseURL + "/playback/" + format + "/" + rec.RecordID + "/"
		if format == "screenshare" {
			doc.Playback.Link = rec.BaseURL + "/screenshare/" + rec.RecordID + "/"
		}
		late := lateMeta(meta)
		doc.MetaAfter = &late
		files = append(files,
			recordingFile{"index.html", []byte("<!DOCTYPE html><title>" + format + "</title>\n")},
			recordingFile{format + "-0.m4v", []byte("\x00\x00\x00\x18ftypmp42 simulated " + format)},
		)
	case "podcast":
		doc.Meta = &meta
		doc.Playback.Link = rec.BaseURL + "/podcast/" + rec.RecordID + "/audio.ogg"
		files = append(files, recordingFile{"audio.ogg", []byte("OggS simulated podcast")})
	case "notes":
		doc.Meta = &meta
		doc.Playback.Link = rec.BaseURL + "/notes/" + rec.RecordID + "/notes.pdf"
		files = append(files, recordingFile{"notes.pdf", []byte("%PDF-1.4 simulated notes\n")})
	default:
		return nil, fmt.Errorf("unknown recording format %q", format)
	}
	var size int64
	for _, f := range files {
		size += int64(len(f.content))
	}
	doc.Playback.Size = size
	doc.RawSize = size * 4
	body, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("metadata.xml of %s: %w", format, err)
	}
	xmlFile := append([]byte(xml.Header), body...)
	xmlFile = append(xmlFile, '\n')
	return append([]recordingFile{{"metadata.xml", xmlFile}}, files...), nil
}

// recordingMeta is the <meta> of metadata.xml: bbb-web's own keys, then the
// create's meta_ parameters.
func recordingMeta(rec Recording) bbb.Metadata {
	meta := bbb.Metadata{
		{Key: "isBreakout", Value: "false"},
		{Key: "meetingId", Value: rec.MeetingID},
		{Key: "meetingName", Value: rec.Name},
	}
	return append(meta, rec.Meta...)
}

// metadataDoc is metadata.xml, children in the order BBB writes them; the
// video workflow writes <meta> after <playback> (MetaAfter).
type metadataDoc struct {
	XMLName      xml.Name             `xml:"recording"`
	ID           string               `xml:"id"`
	State        string               `xml:"state"`
	Published    bool                 `xml:"published"`
	StartTime    int64                `xml:"start_time"`
	EndTime      int64                `xml:"end_time"`
	Participants int                  `xml:"participants"`
	Meeting      *recordingMeetingDoc `xml:"meeting,omitempty"`
	Meta         *bbb.Metadata        `xml:"meta,omitempty"`
	Breakout     *breakoutDoc         `xml:"breakout,omitempty"`
	Playback     *playbackDoc         `xml:"playback"`
	MetaAfter    *lateMeta            `xml:"meta-after,omitempty"`
	RawSize      int64                `xml:"raw_size"`
}

// lateMeta is a <meta> written after <playback>; encoding/xml allows one
// field per element name, so it is renamed when written.
type lateMeta bbb.Metadata

// MarshalXML writes the entries as a <meta> element.
func (m lateMeta) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	start.Name.Local = "meta"
	return bbb.Metadata(m).MarshalXML(e, start)
}

type recordingMeetingDoc struct {
	ID         string `xml:"id,attr"`
	ExternalID string `xml:"externalId,attr"`
	Name       string `xml:"name,attr"`
	Breakout   string `xml:"breakout,attr"`
}

type breakoutDoc struct {
	ParentMeetingID string `xml:"parentMeetingId,attr"`
	Sequence        int    `xml:"sequence,attr"`
	MeetingID       string `xml:"meetingId,attr"`
}

type playbackDoc struct {
	Format         string         `xml:"format"`
	Link           string         `xml:"link"`
	ProcessingTime int64          `xml:"processing_time,omitempty"`
	Duration       int64          `xml:"duration"`
	Extensions     *extensionsDoc `xml:"extensions,omitempty"`
	Size           int64          `xml:"size"`
}

type extensionsDoc struct {
	Images []previewImage `xml:"preview>images>image"`
}

type previewImage struct {
	Width    int    `xml:"width,attr"`
	Height   int    `xml:"height,attr"`
	Alt      string `xml:"alt,attr"`
	Duration int    `xml:"duration,attr"`
	URL      string `xml:",chardata"`
}

// tinyPNG is a valid 1×1 transparent PNG.
var tinyPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")
