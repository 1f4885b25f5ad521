// SKELETON written by the lead so the facade compiles; the shadow work replaces it whole.
export interface ShadowOptions<Req, Res> {
  name: string;
  primary: (req: Req) => Res | Promise<Res>;
  shadow: (req: Req) => Res | Promise<Res>;
}
