/** A gate a fake holds requests on until the test opens it. (To wait on a condition: eventually, in test/helpers.) */
export interface Gate {
  promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
