// `express4` is Express 4 installed under an alias; its API for these tests is Express 5's.
declare module 'express4' {
  import express from 'express';
  export default express;
}
