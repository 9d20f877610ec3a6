// events.js: the names of the events the server publishes, as the "type"
// of every object on a user's topic (user:<id>) and of every message
// spectators get on a live workout's topic (workout:<id>). The server
// declares the same names in events.go (Event constants named Event + the
// key here); a Go test keeps the two lists equal, so add a name to both.
export const Events = Object.freeze({
  // On a user's topic: a change to the user's data, for their other screens.
  AccountRestored: 'account.restored',
  ExerciseCreated: 'exercise.created',
  GearDeleted: 'gear.deleted',
  GearUpdated: 'gear.updated',
  GoalCreated: 'goal.created',
  GoalDeleted: 'goal.deleted',
  GoalUpdated: 'goal.updated',
  ImportProgress: 'import.progress',
  LiveFinished: 'live.finished',
  LivePaused: 'live.paused',
  LiveResumed: 'live.live', // named for the status the session is back in
  LiveSamples: 'live.samples',
  LiveSet: 'live.set',
  LiveStarted: 'live.started',
  PasswordChanged: 'password.changed',
  SessionCreated: 'session.created',
  SessionRevoked: 'session.revoked',
  SettingsChanged: 'settings.changed',
  SportCreated: 'sport.created',
  TemplateCreated: 'template.created',
  TemplateDeleted: 'template.deleted',
  TokenCreated: 'token.created',
  TokenRevoked: 'token.revoked',
  TrainingUpdated: 'training.updated',
  UploadTokenCreated: 'upload_token.created',
  UploadTokenRevoked: 'upload_token.revoked',
  WeightCreated: 'weight.created',
  WeightDeleted: 'weight.deleted',
  WeightUpdated: 'weight.updated',
  WorkoutCreated: 'workout.created',
  WorkoutDeleted: 'workout.deleted',
  WorkoutSamples: 'workout.samples',
  WorkoutUpdated: 'workout.updated',
  // On a live workout's topic, as spectators see the session.
  ViewSamples: 'samples', // a batch: samples without positions, and the track released
  ViewSet: 'set', // a strength set logged
  ViewSnapshot: 'snapshot', // the whole session, for a new subscriber
  ViewStatus: 'status', // paused, resumed or finished
});
