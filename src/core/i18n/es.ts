import type { QuotaBlock, QuotaView } from '../quota/ledger.ts';
import { secondsOf, spanOf, type Catalogue } from './catalogue.ts';

const period = (quota: Pick<QuotaView, 'window'>) => (quota.window === 'day' ? 'hoy' : quota.window === 'week' ? 'esta semana' : 'este mes');
const resetsIn = (quota: QuotaView, now = Date.now()) =>
  `Se renueva en ${spanOf(quota.resetsAt.getTime() - now, { min: 'min', h: 'h', days: 'días' })}.`;
const bonusNote = (quota: QuotaView) =>
  quota.bonus > 0 ? `, más ${quota.bonus} imagen${quota.bonus === 1 ? '' : 'es'} extra (se guardan hasta usarlas)` : '';
const blockedLine = (block: QuotaBlock) => {
  const who = block.scope === 'platform' ? 'El dueño del bot te ha bloqueado' : 'Un moderador te ha bloqueado en esta comunidad';
  return `${who}${block.reason ? ` (motivo: ${block.reason})` : ''}. Habla con un moderador si crees que es un error.`;
};
const NOT_CHARGED = 'No se ha descontado de tu cuota.';

export const es: Catalogue = {
  intlLocale: 'es-ES',
  errors: {
    INPUT_INVALID: 'Esa petición no es válida.',
    IMAGE_UNSUPPORTED: 'Ese archivo no es una imagen que pueda editar. Envía una imagen JPEG, PNG o WebP.',
    IMAGE_TOO_LARGE: 'Esa imagen es demasiado grande. Envía una más pequeña (menos de 20 MB y 50 megapíxeles).',
    DOWNLOAD_FAILED: 'No he podido descargar tu imagen. Envíala de nuevo, por favor.',
    PROVIDER_REJECTED: 'El servicio de imágenes ha rechazado esta petición.',
    PROVIDER_UNAVAILABLE: 'El servicio de imágenes no está disponible ahora mismo. Inténtalo de nuevo en unos minutos.',
    PROVIDER_FAILED: 'El servicio de imágenes no ha podido crear esta imagen. Prueba a reformular tu descripción.',
    PROVIDER_PROTOCOL: 'El servicio de imágenes ha enviado una respuesta que no entiendo. Inténtalo de nuevo.',
    TIMED_OUT: 'Ha tardado demasiado, así que lo he cancelado.',
    CANCELLED: 'Cancelado.',
    STORE_UNAVAILABLE: 'Ahora mismo no puedo acceder a mi base de datos, así que no acepto peticiones. Inténtalo más tarde.',
    DELIVERY_FAILED: 'Tu imagen está hecha, pero no he podido enviarla aquí.',
    INTERNAL: 'Algo ha fallado por mi parte.',
  },
  notCharged: NOT_CHARGED,
  queued: (position) => (position === undefined ? 'En cola…' : position <= 0 ? 'En cola: eres el siguiente…' : `En cola: ${position} por delante…`),
  running: (kind = 'edit') => (kind === 'edit' ? 'Editando…' : 'Creando…'),
  delivering: () => 'Enviando…',
  needPrompt: () => 'Dime qué cambiar: añade una descripción de la edición.',
  promptTooLong: (max) => `La descripción es demasiado larga. Usa menos de ${max} caracteres.`,
  needImage: () => 'Adjunta una imagen para editar, o usa /imagine para crear una solo con texto.',
  needImaginePrompt: () => 'Dime qué crear: /imagine seguido de una descripción, por ejemplo /imagine un zorro rojo en la nieve.',
  tooManyImages: (max) => `Envía como máximo ${max} imágenes a la vez.`,
  badCount: (max) => `Pide entre 1 y ${max} imágenes.`,
  duplicate: () => 'Ya estoy trabajando en esta petición.',
  cancelled: () => `Cancelado. ${NOT_CHARGED}`,
  cancelRefused: (why) =>
    why === 'not_yours' ? 'Solo quien lo pidió puede cancelarlo.' : why === 'too_late' ? 'Demasiado tarde para cancelar: el resultado ya va en camino.' : 'Esta petición ya ha terminado.',
  quotaExhausted: (quota, requested, now) => {
    const left = quota.remaining + quota.bonus;
    return left === 0
      ? `Has usado las ${quota.limit} imágenes de ${period(quota)}. ${resetsIn(quota, now)}`
      : `Has pedido ${requested} imágenes pero te quedan ${left}${quota.bonus > 0 ? ' (extra incluidas)' : ''}. Pide menos. ${resetsIn(quota, now)}`;
  },
  blocked: (block) => `${blockedLine(block)} ${NOT_CHARGED}`,
  done: (elapsedMs, quota) =>
    `Hecho en ${secondsOf(elapsedMs, ',')} s · te quedan ${quota.remaining} de ${quota.limit} imágenes ${period(quota)}${bonusNote(quota)}.`,
  quota: (quota, resets) => {
    const lines = quota.blocked ? [blockedLine(quota.blocked)] : [];
    const inFlight = quota.reserved > 0 ? ` ${quota.reserved} reservadas por peticiones en curso.` : '';
    lines.push(`Has usado ${quota.used} de ${quota.limit} imágenes ${period(quota)}; te quedan ${quota.remaining}${bonusNote(quota)}.${inFlight}`);
    lines.push(`Se renueva ${resets}.`);
    return lines.join('\n');
  },
  help: (platform) =>
    (platform === 'telegram'
      ? [
          'Envíame una foto con un texto que diga qué cambiar y te devolveré la imagen editada.',
          'También puedes responder a una foto con /edit <qué cambiar>. En grupos, empieza el texto con /edit.',
          '/imagine <descripción> crea una imagen nueva solo a partir de texto.',
          'Opciones en el texto: --n 2 (cuántas), --ar 16:9 (forma), --png / --jpeg / --webp (formato).',
          'Consejo: envía la imagen como archivo para conservar toda su calidad.',
          '/quota muestra cuántas imágenes te quedan.',
        ]
      : [
          'Usa /edit con una descripción y una imagen, y te responderé con la imagen editada.',
          'Opciones: hasta tres imágenes de entrada, count (1–4 resultados), aspect_ratio y format.',
          'Usa /imagine con una descripción para crear una imagen solo con texto, con las mismas opciones.',
          '/quota muestra cuántas imágenes te quedan.',
        ]
    ).join('\n'),
  moment: (p) => `el ${p.weekday} ${p.day} ${p.month} a las ${p.time} (${p.timeZone})`,
};
