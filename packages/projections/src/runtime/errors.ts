/** What the projection runtime raises on purpose; anything else is unexpected. */
export class ProjectionError extends Error {
  override readonly name: string = 'ProjectionError';
}

/** Another worker moved the build's checkpoint since this one read it: its batch was not applied. */
export class CheckpointMovedError extends ProjectionError {
  override readonly name = 'CheckpointMovedError';
  constructor(readonly buildSchema: string) {
    super(`the checkpoint of ${buildSchema} moved under this worker: another worker holds it`);
  }
}

/** The build was replaced (or dropped) by a switch: whoever follows it must follow the new one. */
export class BuildRetiredError extends ProjectionError {
  override readonly name = 'BuildRetiredError';
  constructor(readonly buildSchema: string) {
    super(`${buildSchema} is no longer a live build of its projection`);
  }
}

export class UnknownProjectionError extends ProjectionError {
  override readonly name = 'UnknownProjectionError';
  constructor(readonly projection: string) {
    super(`no projection named ${projection} is registered`);
  }
}

/** Time travel to a position the visible log does not hold. */
export class PositionNotFoundError extends ProjectionError {
  override readonly name = 'PositionNotFoundError';
  constructor(readonly position: bigint) {
    super(`no event at global position ${position} in the log`);
  }
}
