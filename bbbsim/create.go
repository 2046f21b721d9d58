package bbbsim

import (
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

const noParentMeetingID = "bbb-none"

// create answers the create call: a new meeting, the existing one with
// duplicateWarning when the passwords match or none were given, or
// idNotUnique.
func (s *Sim) create(w http.ResponseWriter, a *apiRequest) {
	id, e, ok := meetingIDParam(a)
	if !ok {
		writeFailed(w, e)
		return
	}
	name := a.get("name")
	switch n := utf8.RuneCountInString(name); {
	case name == "":
		writeFailed(w, errMissingName)
		return
	case n < 2 || n > 256:
		writeFailed(w, errNameLength)
		return
	}
	for _, p := range []string{"attendeePW", "moderatorPW"} {
		if n := utf8.RuneCountInString(a.get(p)); a.has(p) && (n < 2 || n > 64) {
			writeFailed(w, errPasswordLength)
			return
		}
	}
	voiceBridge := a.get("voiceBridge")
	if voiceBridge != "" {
		if _, err := strconv.ParseInt(voiceBridge, 10, 64); err != nil {
			writeFailed(w, invalidParam("voiceBridge", "must be an integer"))
			return
		}
	}
	record, e, ok := optionalBool(a, "record")
	if !ok {
		writeFailed(w, e)
		return
	}
	isBreakout, e, ok := optionalBool(a, "isBreakout")
	if !ok {
		writeFailed(w, e)
		return
	}
	freeJoin, e, ok := optionalBool(a, "freeJoin")
	if !ok {
		writeFailed(w, e)
		return
	}
	ints := map[string]int{}
	for _, p := range []string{"duration", "maxParticipants", "sequence"} {
		n, e, ok := optionalInt(a, p)
		if !ok {
			writeFailed(w, e)
			return
		}
		ints[p] = n
	}
	parentID := a.get("parentMeetingID")
	if isBreakout && parentID == "" {
		writeFailed(w, errParentMissing)
		return
	}

	now := time.Now()
	info := bbb.Meeting{
		MeetingName:       name,
		MeetingID:         id,
		InternalMeetingID: internalMeetingID(id, now.UnixMilli()),
		CreateTime:        now.UnixMilli(),
		CreateDate:        createDate(now),
		DialNumber:        a.get("dialNumber"),
		AttendeePW:        a.get("attendeePW"),
		ModeratorPW:       a.get("moderatorPW"),
		Duration:          ints["duration"],
		Recording:         record,
		StartTime:         time.Now().UnixMilli(),
		MaxUsers:          ints["maxParticipants"],
		Metadata:          metadata(a.params),
		IsBreakout:        isBreakout,
	}
	if info.DialNumber == "" {
		info.DialNumber = DefaultDialNumber
	}
	if info.AttendeePW == "" {
		info.AttendeePW = randomAlphanumeric(8)
	}
	if info.ModeratorPW == "" {
		info.ModeratorPW = randomAlphanumeric(8)
	}
	if isBreakout {
		info.ParentMeetingID = parentID
		info.Sequence = ints["sequence"]
		info.FreeJoin = &freeJoin
	}
	m := &meeting{
		info:         info,
		logoutURL:    a.get("logoutURL"),
		createParams: a.params,
	}
	if a.mediaType == "application/xml" || a.mediaType == "text/xml" {
		m.createBody = slices.Clone(a.body)
	}

	doc, e, ok := s.addCreated(m, voiceBridge, a.get("attendeePW"), a.get("moderatorPW"))
	if !ok {
		if e == errNonUniqueVoice {
			writeFailedMulti(w, e)
		} else {
			writeFailed(w, e)
		}
		return
	}
	writeXML(w, doc)
}

// addCreated stores a created meeting unless one with its meetingID runs
// already, and returns the create answer.
func (s *Sim) addCreated(m *meeting, voiceBridge, attendeePW, moderatorPW string) (bbb.CreateResponse, apiError, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.meetings[m.info.MeetingID]; ok {
		same := (attendeePW == "" && moderatorPW == "") ||
			(attendeePW == old.info.AttendeePW && moderatorPW == old.info.ModeratorPW)
		if !same {
			return bbb.CreateResponse{}, errIDNotUnique, false
		}
		// Since 2.6 a repeated create changes nothing.
		doc := newCreateDoc(old.info)
		doc.MessageKey, doc.Message = bbb.KeyDuplicateWarning, bbb.MessageDuplicateWarning
		return doc, apiError{}, true
	}
	switch {
	case voiceBridge == "":
		m.info.VoiceBridge = s.freeVoiceBridge()
	case s.voiceBridgeInUse(voiceBridge):
		return bbb.CreateResponse{}, errNonUniqueVoice, false
	default:
		m.info.VoiceBridge = voiceBridge
	}
	s.meetings[m.info.MeetingID] = m
	s.linkBreakout(m)
	return newCreateDoc(m.info), apiError{}, true
}

func newCreateDoc(m bbb.Meeting) bbb.CreateResponse {
	parent := noParentMeetingID
	if m.IsBreakout {
		parent = m.ParentMeetingID
	}
	return bbb.CreateResponse{
		ReturnCode:           returnSuccess,
		MeetingID:            m.MeetingID,
		InternalMeetingID:    m.InternalMeetingID,
		ParentMeetingID:      parent,
		AttendeePW:           m.AttendeePW,
		ModeratorPW:          m.ModeratorPW,
		CreateTime:           m.CreateTime,
		VoiceBridge:          m.VoiceBridge,
		DialNumber:           m.DialNumber,
		CreateDate:           m.CreateDate,
		HasUserJoined:        m.HasUserJoined,
		Duration:             m.Duration,
		HasBeenForciblyEnded: m.HasBeenForciblyEnded,
	}
}
