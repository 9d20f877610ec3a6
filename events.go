package main

// Event is the "type" of a message the server publishes: every object on a
// user's topic, and every message spectators get on a live workout's topic.
// The names are declared here once for Go and once in ui/events.js for the
// UI, as an object whose keys are these constants' names without "Event";
// TestEventNamesMatchUI keeps the two equal.
type Event string

// Events on a user's topic (user:<id>): a change to the user's data, for
// their other screens.
const (
	EventAccountRestored    Event = "account.restored"
	EventExerciseCreated    Event = "exercise.created"
	EventGearDeleted        Event = "gear.deleted"
	EventGearUpdated        Event = "gear.updated"
	EventGoalCreated        Event = "goal.created"
	EventGoalDeleted        Event = "goal.deleted"
	EventGoalUpdated        Event = "goal.updated"
	EventImportProgress     Event = "import.progress"
	EventLiveFinished       Event = "live.finished"
	EventLivePaused         Event = "live.paused"
	EventLiveResumed        Event = "live.live" // named for the status the session is back in
	EventLiveSamples        Event = "live.samples"
	EventLiveSet            Event = "live.set"
	EventLiveStarted        Event = "live.started"
	EventPasswordChanged    Event = "password.changed"
	EventSessionCreated     Event = "session.created"
	EventSessionRevoked     Event = "session.revoked"
	EventSettingsChanged    Event = "settings.changed"
	EventSportCreated       Event = "sport.created"
	EventTemplateCreated    Event = "template.created"
	EventTemplateDeleted    Event = "template.deleted"
	EventTokenCreated       Event = "token.created"
	EventTokenRevoked       Event = "token.revoked"
	EventTrainingUpdated    Event = "training.updated"
	EventUploadTokenCreated Event = "upload_token.created"
	EventUploadTokenRevoked Event = "upload_token.revoked"
	EventWeightCreated      Event = "weight.created"
	EventWeightDeleted      Event = "weight.deleted"
	EventWeightUpdated      Event = "weight.updated"
	EventWorkoutCreated     Event = "workout.created"
	EventWorkoutDeleted     Event = "workout.deleted"
	EventWorkoutSamples     Event = "workout.samples"
	EventWorkoutUpdated     Event = "workout.updated"
)

// Messages on a live workout's topic (workout:<id>), as spectators see the
// session (liveView and what follows it).
const (
	EventViewSamples  Event = "samples"  // a batch: samples without positions, and the track released
	EventViewSet      Event = "set"      // a strength set logged
	EventViewSnapshot Event = "snapshot" // the whole session, for a new subscriber
	EventViewStatus   Event = "status"   // paused, resumed or finished
)

// liveStatusEvent is the user-topic event for a live session moving to
// status: live, paused or finished (the routes' only statuses).
func liveStatusEvent(status string) Event {
	switch status {
	case "live":
		return EventLiveResumed
	case "paused":
		return EventLivePaused
	case "finished":
		return EventLiveFinished
	}
	return Event("live." + status)
}
